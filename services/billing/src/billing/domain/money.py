"""Fiscal arithmetic on ``Decimal`` (never float): SRI amounts carry 2 decimals, quantities and
unit prices 6 (docs/sri.md §2), and SRI recomputes totals, so rounding must be half-up everywhere.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_PLACES = 2
DETAIL_PLACES = 6
# XSD totalDigits: 14 for amounts (2 decimals), 18 for cantidad/precioUnitario (6 decimals).
_TOTAL_DIGITS = {MONEY_PLACES: 14, DETAIL_PLACES: 18}
_AMOUNT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _require_decimal(value: object) -> Decimal:
    if not isinstance(value, Decimal):
        raise ValueError(f"expected a Decimal, got {type(value).__name__} (floats are never used)")
    if not value.is_finite():
        raise ValueError(f"expected a finite amount, got {value}")
    return value


def round_fiscal(value: Decimal, places: int = MONEY_PLACES) -> Decimal:
    """Round half-up (2.675 → 2.68), as SRI does; Python's default would be half-even."""
    value = _require_decimal(value)
    if places < 0:
        raise ValueError("places must be >= 0")
    try:
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value} is too large to round to {places} places") from None
    return rounded + 0  # turns -0.00 into 0.00


def quantity6(value: Decimal) -> Decimal:
    """cantidad, 6 decimals."""
    return round_fiscal(value, DETAIL_PLACES)


def price6(value: Decimal) -> Decimal:
    """precioUnitario, 6 decimals."""
    return round_fiscal(value, DETAIL_PLACES)


def parse_amount(text: str, *, places: int = MONEY_PLACES, allow_negative: bool = False) -> Decimal:
    """An amount typed by an operator ("12.50", "12.5", "12") as a Decimal with ``places`` decimals.

    Refuses anything ambiguous rather than guessing: floats (already imprecise), "12,50" or
    "1,000.00", exponents, NaN/Infinity, more decimals than ``places`` (no silent rounding),
    negatives unless ``allow_negative``, and more digits than the XSD allows.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected the amount as text, got {type(text).__name__}")
    cleaned = text.strip()
    if not _AMOUNT_TEXT.fullmatch(cleaned):
        raise ValueError(f"not an amount: {text!r} (use digits and '.' as decimal separator)")
    value = Decimal(cleaned)
    decimals = len(cleaned.partition(".")[2])
    if decimals > places:
        raise ValueError(f"{text!r} has more than {places} decimals")
    if value < 0 and not allow_negative:
        raise ValueError(f"{text!r} must not be negative")
    value = round_fiscal(value, places)
    max_digits = _TOTAL_DIGITS.get(places)
    if max_digits is not None and len(value.as_tuple().digits) > max_digits:
        raise ValueError(f"{text!r} has more than {max_digits} digits")
    return value


def money_text(value: Decimal) -> str:
    """An amount as the APIs send it: a decimal string with 2 places ("12.50"), never a number."""
    return f"{round_fiscal(value):.2f}"
