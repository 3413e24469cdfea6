"""What an operator types, read into domain values. Request fields are plain strings where the
domain reads them, so a bad value gets a Spanish message naming its field (422 ``fields``);
money arrives as decimal strings, never as JSON numbers."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from billing.domain.invoice import NotXmlText, clean_text
from billing.domain.money import parse_amount
from billing.domain.periods import ECUADOR, parse_period
from common.errors import InvalidInput
from common.text import non_xml_message

# Payment channels' clocks run a little ahead of ours now and then; more than this is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def day(value: str, field: str) -> date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(field, "Use una fecha válida con el formato AAAA-MM-DD.") from None


def amount(value: str, field: str) -> Decimal:
    """A signed amount; each caller says which signs it accepts (with its own message)."""
    try:
        return parse_amount(value, allow_negative=True)
    except ValueError:
        raise InvalidInput.field(
            field, "Escriba el monto con punto decimal y hasta 2 decimales (12.50)."
        ) from None


def positive(value: str, field: str) -> Decimal:
    parsed = amount(value, field)
    if parsed <= 0:
        raise InvalidInput.field(field, "El monto debe ser mayor que cero.")
    return parsed


def not_negative(value: str, field: str) -> Decimal:
    parsed = amount(value, field)
    if parsed < 0:
        raise InvalidInput.field(field, "El monto no puede ser negativo.")
    return parsed


def text(value: str, field: str, max_length: int = 300) -> str:
    try:
        return clean_text(value, what=field, max_length=max_length)
    except NotXmlText as error:
        raise InvalidInput.field(field, non_xml_message(error.char)) from None
    except ValueError:
        raise InvalidInput.field(field, f"Debe tener entre 1 y {max_length} caracteres.") from None


def idempotency_key(value: str) -> str:
    key = value.strip()
    if not _KEY.fullmatch(key):
        raise InvalidInput.field(
            "idempotency_key", "Debe tener de 1 a 100 caracteres visibles, sin espacios."
        )
    return key


def period_label(value: str, field: str = "period") -> str:
    try:
        year, month = parse_period(value)
    except ValueError:
        raise InvalidInput.field(field, "Use el formato AAAA-MM (de 2000-01 a 2999-12).") from None
    return f"{year:04d}-{month:02d}"


def past_period(value: str, today: date) -> str:
    label = period_label(value)
    if label > f"{today:%Y-%m}":
        raise InvalidInput.field("period", "El periodo no puede ser posterior al mes actual.")
    return label


def paid_at(value: str, now: datetime) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput.field(
            "paid_at", "Use fecha y hora ISO 8601, por ejemplo 2026-11-05T10:30:00-05:00."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ECUADOR)  # a bare time is Ecuador's clock
    if parsed > now + CLOCK_SKEW:
        raise InvalidInput.field("paid_at", "La fecha de pago no puede estar en el futuro.")
    try:
        in_utc = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 is in year 0 in UTC
        raise InvalidInput.field("paid_at", "La fecha de pago no es válida.") from None
    # BSON keeps milliseconds: truncating here makes a replay answer exactly the first response.
    return in_utc.replace(microsecond=parsed.microsecond // 1000 * 1000)
