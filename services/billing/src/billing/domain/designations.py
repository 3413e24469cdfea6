"""The issuer's designations by SRI resolution (docs/sri.md §9; sheet annexes 21 and 24).

An agente de retención writes its resolution number in ``infoTributaria/agenteRetencion``. A
Gran Contribuyente's resolution has no field in the factura, so it travels as a campoAdicional
(and the RIDE prints it with Información Adicional). Both are optional: none means not designated.
"""

import re

AGENTE_RETENCION = re.compile(r"[0-9]{1,8}")  # the factura XSD: [0-9]+, maxLength 8
GRAN_CONTRIBUYENTE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")  # NAC-DGERCGC21-00000001
GRAN_CONTRIBUYENTE_FIELD = "Gran Contribuyente"


def check(agente_retencion: str | None, gran_contribuyente: str | None) -> None:
    """Raise ValueError when a configured resolution is not in its format."""
    if agente_retencion is not None and not AGENTE_RETENCION.fullmatch(agente_retencion):
        raise ValueError(f"agente_retencion must be 1..8 digits, got {agente_retencion!r}")
    if gran_contribuyente is not None and not GRAN_CONTRIBUYENTE.fullmatch(gran_contribuyente):
        raise ValueError(
            "gran_contribuyente must be a resolution number (letters, digits, hyphens, up to "
            f"40), got {gran_contribuyente!r}"
        )


def legends(gran_contribuyente: str | None) -> tuple[tuple[str, str], ...]:
    """The campoAdicional entries (nombre, text) the designations call for."""
    if gran_contribuyente is None:
        return ()
    return ((GRAN_CONTRIBUYENTE_FIELD, f"Resolución No. {gran_contribuyente}"),)
