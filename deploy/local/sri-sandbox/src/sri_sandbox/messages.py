"""SRI's ``mensaje`` entries: identificador, mensaje, informacionAdicional, tipo.

Identifiers and texts follow the ficha técnica and docs/sri.md §5. Several identifiers (notably 58
and 65) come from third-party compilations of SRI answers rather than an official table.
"""

from dataclasses import dataclass
from typing import Any

ERROR = "ERROR"
ADVERTENCIA = "ADVERTENCIA"
INFORMATIVO = "INFORMATIVO"


@dataclass(frozen=True)
class Message:
    identifier: str
    message: str
    additional_info: str | None = None
    kind: str = ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "identificador": self.identifier,
            "mensaje": self.message,
            "informacionAdicional": self.additional_info,
            "tipo": self.kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Message":
        return cls(
            data["identificador"], data["mensaje"], data.get("informacionAdicional"), data["tipo"]
        )


# SRI's informacionAdicional is free text; long validator output is cut like SRI's own answers.
MAX_INFO = 500


def _info(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= MAX_INFO else text[: MAX_INFO - 1] + "…"


def estructura(info: str) -> Message:
    return Message("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", _info(info))


def firma_invalida(info: str) -> Message:
    return Message("39", "FIRMA INVALIDA", _info(info))


def clave_registrada() -> Message:
    return Message("43", "CLAVE ACCESO REGISTRADA")


def secuencial_registrado(info: str) -> Message:
    return Message("45", "SECUENCIAL REGISTRADO", _info(info))


def diferencias(info: str) -> Message:
    return Message("52", "ERROR EN DIFERENCIAS", _info(info))


def clave_invalida(info: str) -> Message:
    # Identifier from third-party lists of SRI answers (not in the ficha técnica's table).
    return Message("58", "ERROR EN LA ESTRUCTURA DE CLAVE DE ACCESO", _info(info))


def ambiente_pruebas() -> Message:
    return Message("60", "ESTE PROCESO FUE REALIZADO EN EL AMBIENTE DE PRUEBAS", None, INFORMATIVO)


def fecha_extemporanea(info: str) -> Message:
    return Message("65", "FECHA EMISION EXTEMPORANEA", _info(info))


def en_procesamiento() -> Message:
    return Message("70", "CLAVE DE ACCESO EN PROCESAMIENTO", None, INFORMATIVO)


# Notas de crédito and débito (docs/sri.md §9). SRI's identifiers for these refusals are not in
# the ficha técnica's table: these are the sandbox's own (documented in its README).
def documento_modificado(info: str) -> Message:
    return Message("80", "DOCUMENTO MODIFICADO NO EXISTE O NO ESTA AUTORIZADO", _info(info))


def credito_excedido(info: str) -> Message:
    return Message("81", "VALOR DE NOTAS DE CREDITO SUPERA EL DOCUMENTO MODIFICADO", _info(info))


def datos_rechazados(info: str) -> Message:
    # The sandbox's own identifier (test control refused_names): no SRI code is claimed.
    return Message("SBX-DATOS", "DATOS DEL COMPROBANTE RECHAZADOS (CONTROL DE PRUEBA)", _info(info))
