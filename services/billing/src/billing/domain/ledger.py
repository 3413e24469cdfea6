"""The account's ledger: payments received and adjustments, each recorded once per
idempotency key. A payment raises PaymentRecorded, a withholding received WithholdingReceived;
an adjustment only counts in statements."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from billing.domain.events import PaymentRecorded, WithholdingReceived
from billing.domain.periods import ECUADOR
from billing.domain.statement import Movement
from common.errors import InvalidInput

LedgerKind = Literal["payment", "adjustment", "withholding"]
# Kinds that lower what the customer owes by their (positive) amount.
CREDITS = ("payment", "withholding")


@dataclass(frozen=True)
class LedgerEntry:
    """A payment (amount received, positive) or an adjustment (signed: + raises the debt)."""

    entry_id: str
    account_id: str
    kind: LedgerKind
    amount: Decimal
    on: date  # the day it counts in the statement
    description: str
    idempotency_key: str
    paid_at: datetime | None = None  # payments only
    channel: str | None = None  # payments only
    events: tuple[PaymentRecorded | WithholdingReceived, ...] = field(
        default=(), compare=False, repr=False
    )

    @classmethod
    def payment(
        cls,
        entry_id: str,
        account_id: str,
        amount: Decimal,
        paid_at: datetime,
        channel: str,
        idempotency_key: str,
    ) -> "LedgerEntry":
        """A payment counts on its Ecuadorian calendar day."""
        event = PaymentRecorded(entry_id, account_id, amount, paid_at, channel)
        return cls(
            entry_id=entry_id,
            account_id=account_id,
            kind="payment",
            amount=amount,
            on=paid_at.astimezone(ECUADOR).date(),
            description=f"Pago recibido ({channel})",
            idempotency_key=idempotency_key,
            paid_at=paid_at,
            channel=channel,
            events=(event,),
        )

    @classmethod
    def adjustment(
        cls,
        entry_id: str,
        account_id: str,
        amount: Decimal,
        effective: date,
        reason: str,
        idempotency_key: str,
    ) -> "LedgerEntry":
        return cls(entry_id, account_id, "adjustment", amount, effective, reason, idempotency_key)

    @classmethod
    def withholding(cls, event: WithholdingReceived, description: str) -> "LedgerEntry":
        """What a customer withheld (comprobante de retención): a credit on the retention's
        date, once per clave de acceso (its id and its idempotency key)."""
        return cls(
            entry_id=event.withholding_id,
            account_id=event.account_id,
            kind="withholding",
            amount=event.amount,
            on=event.issue_date,
            description=description,
            idempotency_key=event.withholding_id,
            events=(event,),
        )

    def same_request(self, other: "LedgerEntry") -> bool:
        """A replay under the same key: everything but the (new) id is equal."""
        return replace(other, entry_id=self.entry_id) == self

    def movement(self) -> Movement:
        amount = -self.amount if self.kind in CREDITS else self.amount
        return Movement(self.on, self.kind, self.description, amount, self.entry_id)


def adjustment_amount(amount: Decimal) -> Decimal:
    if amount == 0:
        raise InvalidInput.field("amount", "Un ajuste no puede ser cero.")
    return amount


def effective_date(day: date, today: date) -> date:
    """An adjustment counts from a day that has come (Ecuador's calendar)."""
    if day > today:
        raise InvalidInput.field(
            "effective_date", "La fecha del ajuste no puede estar en el futuro."
        )
    return day
