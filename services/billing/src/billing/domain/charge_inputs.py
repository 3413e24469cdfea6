"""What an operator types for a usage charge (kind, number, quantity, unit), read into domain
values with a Spanish message naming the field (422 ``fields``), like ``inputs``."""

import re
from decimal import Decimal

from billing.domain import detail_lines, inputs
from billing.domain.accounts import Account, normalize_number
from common.errors import InvalidInput

_QUANTITY = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")


def kind(value: str) -> str:
    if value not in detail_lines.KINDS:
        kinds = ", ".join(detail_lines.KINDS)
        raise InvalidInput.field("kind", f"Tipo de cargo desconocido: use uno de {kinds}.")
    return value


def description(value: str, kind: str) -> str:
    """The typed description; with the kind's prefix it must fit the factura's 300 characters."""
    return inputs.text(value, "description", max_length=detail_lines.max_description(kind))


def number(value: str | None, account: Account) -> str | None:
    """The line the charge belongs to: a number of one of the account's subscriptions."""
    if value is None:
        return None
    e164 = normalize_number(value, "number")
    if all(sub.number != e164 for sub in account.subscriptions):
        raise InvalidInput.field("number", "Esa línea no pertenece a la cuenta.")
    return e164


def quantity(value: str | None, amount: Decimal) -> Decimal | None:
    """How much was used: positive, up to 6 decimals, and such that a unit price with 6
    decimals gives exactly ``amount`` (cantidad × precioUnitario is the line's total)."""
    if value is None:
        return None
    if not _QUANTITY.fullmatch(value) or Decimal(value) == 0:
        raise InvalidInput.field(
            "quantity", "Escriba una cantidad mayor que cero, con punto y hasta 6 decimales."
        )
    parsed = Decimal(value)
    if detail_lines.unit_price(amount, parsed) is None:
        raise InvalidInput.field(
            "quantity",
            "Ningún precio unitario de hasta 6 decimales da exactamente el monto con esa "
            "cantidad: omita la cantidad o ajuste el monto.",
        )
    return parsed


def unit(value: str | None, quantity: Decimal | None) -> str | None:
    if value is None:
        return None
    if quantity is None:
        raise InvalidInput.field("unit", "La unidad acompaña a una cantidad (quantity).")
    return inputs.text(value, "unit", max_length=detail_lines.MAX_UNIT_LENGTH)
