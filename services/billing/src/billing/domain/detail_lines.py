"""What a factura's detalle says besides its amounts (docs/sri.md §2): the line it bills and the
days it covers as ``detallesAdicionales``, and usage charges (excess data, roaming, long
distance, third-party services) as lines of their own with their code and Spanish prefix.

The XSDs (factura 1.1.0 and 2.1.0 alike) allow at most 3 ``detAdicional`` per detalle, each
``nombre`` and ``valor`` 1..300 characters, and a ``unidadMedida`` of 1..50 characters.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import phonenumbers

from billing.domain.money import DETAIL_PLACES, round_fiscal

MAX_DETAILS = 3
MAX_UNIT_LENGTH = 50
# cantidad and precioUnitario: xsd:decimal, totalDigits 18, fractionDigits 6 (12 integer digits).
MAX_QUANTITY = Decimal("999999999999.999999")
E164_EC = re.compile(r"\+593[0-9]{8,10}")
LINE = "Línea"
PERIOD = "Periodo"


class ChargeKind(NamedTuple):
    """A kind of charge: its codigoPrincipal and the prefix of its descripcion (None: as typed)."""

    code: str
    prefix: str | None


KINDS: dict[str, ChargeKind] = {
    "excess_data": ChargeKind("DATOS-ADIC", "Consumo de datos adicional"),
    "roaming": ChargeKind("ROAMING", "Roaming internacional"),
    "long_distance": ChargeKind("LDI", "Larga distancia internacional"),
    "third_party": ChargeKind("TERCEROS", "Servicios de terceros"),
    "other": ChargeKind("CARGO", None),
}
DEFAULT_KIND = "other"


def description(kind: str, text: str) -> str:
    """The line's descripcion: the kind's prefix, then what the operator typed."""
    prefix = KINDS[kind].prefix
    return text if prefix is None else f"{prefix}: {text}"


def max_description(kind: str) -> int:
    """How long the typed description may be so that the descripcion fits its 300 characters."""
    prefix = KINDS[kind].prefix
    return 300 if prefix is None else 300 - len(prefix) - 2


@dataclass(frozen=True)
class LineInfo:
    """What a detalle says besides its amounts: its unidadMedida (1..50 characters) and its
    detallesAdicionales (at most 3 (nombre, valor) pairs, each text 1..300), cleaned like every
    text of the factura."""

    unit: str | None = None
    details: Sequence[tuple[str, str]] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", tuple(self.details))
        if self.unit is None and not self.details:
            return  # nothing to clean (NO_INFO is built while invoice.py imports this module)
        # invoice.py holds the cleaning and imports this module: imported here, when used.
        from billing.domain.invoice import clean_text

        unit = self.unit
        if unit is not None:
            unit = clean_text(unit, what="unidadMedida", max_length=MAX_UNIT_LENGTH, min_length=0)
        found = tuple(
            (clean_text(n, what="detAdicional nombre"), clean_text(v, what="detAdicional valor"))
            for n, v in self.details
        )
        if len(found) > MAX_DETAILS:
            raise ValueError(f"a detalle has at most {MAX_DETAILS} detAdicional, got {len(found)}")
        object.__setattr__(self, "unit", unit or None)
        object.__setattr__(self, "details", found)


NO_INFO = LineInfo()


def national_number(number: str) -> str:
    """+593991234567 → "099 123 4567", the way a customer writes their own number."""
    try:
        parsed = phonenumbers.parse(number, "EC")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def line_details(number: str | None, first: date, last: date, unit: str | None = None) -> LineInfo:
    """A line's detallesAdicionales: the number it bills (if any) and the days it covers."""
    line = ((LINE, national_number(number)),) if number else ()
    return LineInfo(unit, (*line, (PERIOD, f"{_day(first)} al {_day(last)}")))


def unit_price(amount: Decimal, quantity: Decimal) -> Decimal | None:
    """The precioUnitario (6 decimals) of ``quantity`` units that costs exactly ``amount``, or
    None when no such price exists (cantidad × precioUnitario, rounded to cents, must be the
    amount, or header and detail would disagree)."""
    price = round_fiscal(amount / quantity, DETAIL_PLACES)
    fits = price <= MAX_QUANTITY  # precioUnitario has cantidad's totalDigits 18
    return price if fits and round_fiscal(quantity * price) == amount else None


def check_quantity(amount: Decimal, quantity: Decimal) -> None:
    """A usage quantity the factura can carry: positive, ≤ 6 decimals, ≤ 12 integer digits,
    with a 6-decimal unit price that gives exactly ``amount``."""
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
        raise ValueError(f"a quantity must be a positive Decimal, got {quantity!r}")
    if round_fiscal(quantity, DETAIL_PLACES) != quantity or quantity > MAX_QUANTITY:
        raise ValueError(f"a quantity has ≤ 12 digits and ≤ 6 decimals, got {quantity}")
    if unit_price(amount, quantity) is None:
        raise ValueError(f"no unit price with 6 decimals makes {quantity} units cost {amount}")


def check_usage(
    kind: str,
    text: str,
    number: str | None,
    amount: Decimal,
    quantity: Decimal | None,
    unit: str | None,
) -> None:
    """What a charge adds to a plain amount, checked (ValueError): a known kind, a description
    that fits with its prefix, an Ecuadorian E.164 number, a quantity that fits, a unit only
    with a quantity."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    if len(description(kind, text)) > 300:
        raise ValueError(f"the description of a {kind} charge has ≤ {max_description(kind)} chars")
    if number is not None and not E164_EC.fullmatch(number):
        raise ValueError(f"number must be an Ecuadorian E.164 number, got {number!r}")
    if quantity is not None:
        check_quantity(amount, quantity)
    if unit is not None and (quantity is None or not 1 <= len(unit) <= MAX_UNIT_LENGTH):
        raise ValueError(f"a unit (1..{MAX_UNIT_LENGTH} characters) goes with a quantity")
