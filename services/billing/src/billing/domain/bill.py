"""What an account owes for a period: the invoice lines and the factura that carries them.

Plan fees are prorated by days for subscriptions that start or end inside the period; a
subscription's promotional discount is prorated the same way and goes in the line's descuento.
Rates come from the dated tax catalog: days at different rates (IVA 12 % → 15 % on 2024-04-01)
are separate lines, the fee shared by day. One-off charges of the period follow, each with its
own IVA treatment.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from billing.domain import detail_lines, tax_catalog, usage_lines
from billing.domain.accounts import Account, Plan, Subscription
from billing.domain.invoice import ExtraTax, Invoice, InvoiceLine, Issuer, Payment
from billing.domain.money import round_fiscal
from billing.domain.periods import BillingPeriod
from billing.domain.proration import prorate, split_by_days
from billing.domain.statement import Statement
from billing.domain.taxes import iva_rate

CHARGE_CODE = detail_lines.KINDS[detail_lines.DEFAULT_KIND].code


@dataclass(frozen=True)
class Charge:
    """A one-off charge to an account, billed on the invoice of ``period``: ``amount`` is the
    line's total before taxes; ``kind`` gives its code and description prefix, ``number`` the
    line it belongs to (E.164), ``quantity`` and ``unit`` what was used (1536 MB)."""

    charge_id: str
    description: str
    amount: Decimal
    tax_code: str
    period: str
    kind: str = detail_lines.DEFAULT_KIND
    number: str | None = None
    quantity: Decimal | None = None
    unit: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or self.amount <= 0:
            raise ValueError(f"a charge amount must be a positive Decimal, got {self.amount!r}")
        if round_fiscal(self.amount) != self.amount:
            raise ValueError(f"a charge has at most 2 decimals, got {self.amount}")
        iva_rate(self.tax_code)
        detail_lines.check_usage(
            self.kind, self.description, self.number, self.amount, self.quantity, self.unit
        )


class UnknownPlan(ValueError):
    pass


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def _plan_lines(plan: Plan, sub: Subscription, period: BillingPeriod) -> list[InvoiceLine]:
    """The subscription's fee for the period, one line per span of days at the same tax rates
    (tax catalog): a period across a rate change gives two lines prorated by day."""
    args = (period.start, period.end, sub.start_date, sub.end_date)
    fee = prorate(plan.monthly_fee, *args)
    if fee == 0:
        return []
    discount = min(prorate(sub.monthly_discount, *args), fee)
    first = max(period.start, sub.start_date)
    last = period.end if sub.end_date is None else min(period.end, sub.end_date)
    parts = tax_catalog.spans(tax_catalog.refs(plan.tax_code, plan.extra_taxes), first, last)
    days = [part.days for part in parts]
    fees, discounts = split_by_days(fee, days), split_by_days(discount, days)
    whole = len(parts) == 1 and (first, last) == (period.start, period.end)
    lines = []
    for part, part_fee, part_discount in zip(parts, fees, discounts, strict=True):
        iva, *extras = part.entries
        partial = "" if whole else f", {part.days} días"
        rate = f", {tax_catalog.describe(iva)}" if len(parts) > 1 else ""
        lines.append(
            InvoiceLine(
                code=plan.code,
                description=(
                    f"{plan.name} {sub.number} del {_day(part.first)} al {_day(part.last)}"
                    f"{partial}{rate}"
                ),
                quantity=Decimal(1),
                unit_price=part_fee,
                tax_code=iva.code,
                discount=min(part_discount, part_fee),
                extra_taxes=tuple(ExtraTax(e.codigo, e.code, e.rate) for e in extras),
                info=detail_lines.line_details(sub.number, part.first, part.last),
            )
        )
    return lines


def bill_lines(
    account: Account,
    plans: Mapping[str, Plan],
    period: BillingPeriod,
    charges: Sequence[Charge] = (),
) -> tuple[InvoiceLine, ...]:
    """The invoice lines of ``account`` for ``period``; empty when nothing is billable."""
    lines: list[InvoiceLine] = []
    for sub in account.active_subscriptions(period.start, period.end):
        plan = plans.get(sub.plan_code)
        if plan is None:
            raise UnknownPlan(
                f"subscription {sub.subscription_id} has unknown plan {sub.plan_code}"
            )
        lines.extend(_plan_lines(plan, sub, period))
    lines.extend(usage_lines.line(c, period) for c in charges if c.period == period.label)
    return tuple(lines)


def lines_total(lines: Sequence[InvoiceLine]) -> Decimal:
    """The importeTotal of an invoice with these lines: header totals are sums of line values."""
    return sum(
        (
            line.precio_total_sin_impuesto + sum((t.value for t in line.taxes), Decimal("0.00"))
            for line in lines
        ),
        Decimal("0.00"),
    )


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def statement_info(
    account: Account, period: BillingPeriod, statement: Statement
) -> list[tuple[str, str]]:
    """infoAdicional: the account and its statement, clearly apart from the fiscal totals."""
    numbers = ", ".join(s.number for s in account.active_subscriptions(period.start, period.end))
    return [
        ("Cuenta", account.account_id),
        # The month billed, whatever the issue date (a late run issues today: docs/sri.md §9).
        ("Periodo", f"{period.label} ({_day(period.start)} al {_day(period.end)})"),
        ("Lineas", numbers[:300] or "-"),
        ("Saldo anterior", _money(statement.previous_balance)),
        ("Pagos recibidos", _money(statement.payments)),
        ("Ajustes", _money(statement.adjustments)),
        ("Total a pagar", _money(statement.balance_due)),
        ("Fecha maxima de pago", _day(statement.due_date)),
    ]


def build_invoice(
    issuer: Issuer,
    account: Account,
    lines: Sequence[InvoiceLine],
    *,
    issue_date: date,
    sequential: int,
    numeric_code: str,
    additional_info: Sequence[tuple[str, str]] = (),
    payment_days: int = 15,
) -> Invoice:
    """The factura, with one pago for the whole total in the account's formaPago and term."""
    draft = Invoice(
        issuer=issuer,
        buyer=account.holder.buyer(),
        issue_date=issue_date,
        sequential=sequential,
        numeric_code=numeric_code,
        lines=lines,
        additional_info=additional_info,
    )
    payment = Payment(account.payment_method, draft.importe_total, Decimal(payment_days), "dias")
    return replace(draft, payments=(payment,))
