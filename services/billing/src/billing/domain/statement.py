"""The account statement (Estado de cuenta): non-fiscal, beside the invoice (docs/sri.md §8).

Statement of period P: the previous balance as of P's first day, the payments, adjustments and
withholdings (comprobantes de retención received) dated inside P, the charges of P (P's invoice,
issued on its cut-off), the balance due and the due date. Amounts are signed from the customer's
side: what they owe is positive.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from billing.domain.periods import BillingPeriod

ZERO = Decimal("0.00")
MovementKind = Literal[
    "invoice", "payment", "adjustment", "withholding", "credit_note", "debit_note"
]
# Notas de crédito (−) and débito (+) change what was charged: counted with the charges of the
# period their issue date falls in (docs/sri.md §9).
NOTE_KINDS = ("credit_note", "debit_note")


@dataclass(frozen=True)
class Movement:
    """One entry of the account: an invoice (+), a payment (−), an adjustment (±) or what the
    customer withheld (−, a comprobante de retención)."""

    on: date
    kind: MovementKind
    description: str
    amount: Decimal  # signed: positive raises what the customer owes
    reference: str = ""
    period: str | None = None  # invoices only: the billing period they charge


@dataclass(frozen=True)
class Statement:
    period: str
    period_start: date
    period_end: date
    previous_balance: Decimal
    payments: Decimal  # positive: what was paid in the period
    charges: Decimal
    adjustments: Decimal
    balance_due: Decimal
    due_date: date
    movements: tuple[Movement, ...]
    withholdings: Decimal = ZERO  # positive: what the customer withheld in the period


def _sum(movements: Iterable[Movement]) -> Decimal:
    return sum((m.amount for m in movements), ZERO)


def build_statement(
    period: BillingPeriod, movements: Iterable[Movement], *, due_days: int
) -> Statement:
    """Fold an account's movements into the statement of ``period``.

    Invoices belong to the period they charge (whatever their issue date); payments and
    adjustments to the period their date falls in.
    """
    label = period.label
    before: list[Movement] = []
    inside: list[Movement] = []
    for m in movements:
        if m.kind == "invoice":
            if m.period is None:
                raise ValueError("an invoice movement needs its period")
            target = before if m.period < label else inside if m.period == label else None
        else:
            target = before if m.on < period.start else inside if m.on <= period.end else None
        if target is not None:
            target.append(m)
    payments = -_sum(m for m in inside if m.kind == "payment")
    charges = _sum(m for m in inside if m.kind == "invoice" or m.kind in NOTE_KINDS)
    adjustments = _sum(m for m in inside if m.kind == "adjustment")
    withholdings = -_sum(m for m in inside if m.kind == "withholding")
    previous = _sum(before)
    return Statement(
        period=label,
        period_start=period.start,
        period_end=period.end,
        previous_balance=previous,
        payments=payments,
        charges=charges,
        adjustments=adjustments,
        balance_due=previous - payments + charges + adjustments - withholdings,
        due_date=period.cutoff + timedelta(days=due_days),
        movements=tuple(sorted(inside, key=lambda m: (m.on, m.kind, m.reference))),
        withholdings=withholdings,
    )
