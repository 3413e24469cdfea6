"""Tax codes an operator types (a plan's IVA and ICE, a charge's IVA), checked against the tax
catalog for the day they apply to: 422 naming the field, in Spanish."""

import re
from datetime import date

from billing.domain import tax_catalog
from billing.domain.money import parse_amount
from billing.domain.tax_catalog import TaxEntry, TaxRef
from billing.domain.taxes import ICE
from common.errors import InvalidInput


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def _rate(entry: TaxEntry) -> str:
    return f"{entry.rate.normalize():f}%"


def iva_code(value: str, on: date, field: str = "tax_code") -> str:
    """An IVA codigoPorcentaje in force on ``on`` (a plan: today; a charge: its period's end)."""
    if not tax_catalog.knows("IVA", value):
        message = "Código de IVA desconocido: use 4 (15%), 0 (0%), 6 (no objeto) o 7 (exento)."
        raise InvalidInput.field(field, message)
    try:
        tax_catalog.in_force("IVA", value, on)
    except tax_catalog.NotInForce:
        general = tax_catalog.general_rate(on)
        raise InvalidInput.field(
            field,
            f"El código de IVA {value} no está vigente el {_day(on)}; "
            f"la tarifa general en esa fecha es {general.code} ({_rate(general)}).",
        ) from None
    return value


def ice(rate_code: str, rate: str | None, on: date) -> TaxRef:
    """An ICE code in force on ``on``. The rate is the catalog's: one that disagrees is refused
    (clients that send it keep working when it is right)."""
    if not re.fullmatch(r"[0-9]{1,4}", rate_code):
        raise InvalidInput.field("ice.rate_code", "El código de ICE tiene de 1 a 4 dígitos (3092).")
    try:
        entry = tax_catalog.in_force("ICE", rate_code, on)
    except tax_catalog.NotInForce as error:
        known = ", ".join(sorted({e.code for e in tax_catalog.CATALOG if e.tax == "ICE"}))
        why = "no está vigente" if error.known else "no está en el catálogo de impuestos"
        raise InvalidInput.field(
            "ice.rate_code", f"El ICE {rate_code} {why} el {_day(on)} (códigos: {known})."
        ) from None
    if rate is not None:
        try:
            given = parse_amount(rate)
        except ValueError:
            given = None
        if given != entry.rate:
            raise InvalidInput.field(
                "ice.rate",
                f"La tarifa del ICE {rate_code} vigente el {_day(on)} es {_rate(entry)} "
                "(catálogo de impuestos); omita la tarifa o envíe esa.",
            )
    return TaxRef(ICE, rate_code)
