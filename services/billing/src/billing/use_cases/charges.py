"""One-off charges, billed on the invoice of their period."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from billing.domain import charge_inputs, detail_lines, inputs, tax_inputs
from billing.domain.bill import Charge
from billing.domain.idempotency import IdempotencyConflict, same_charge
from billing.domain.periods import BillingPeriod, ecuador_day
from billing.ports import Accounting
from billing.use_cases.accounts import get


@dataclass(frozen=True)
class ChargeInput:
    description: str
    amount: str
    tax_code: str
    period: str
    idempotency_key: str
    kind: str = detail_lines.DEFAULT_KIND
    number: str | None = None  # the line it belongs to (any usual form)
    quantity: str | None = None  # what was used, in ``unit`` (1536, MB)
    unit: str | None = None


async def add(svc: Accounting, account_id: str, request: ChargeInput, now: datetime) -> Charge:
    """Charge the account once per idempotency key (the period may not be a future month).
    Its IVA code must be in force on the last day of the account's period (tax catalog)."""
    account = await get(svc, account_id)
    kind = charge_inputs.kind(request.kind)
    amount = inputs.positive(request.amount, "amount")
    quantity = charge_inputs.quantity(request.quantity, amount)
    period = inputs.past_period(request.period, ecuador_day(now))
    last_day = BillingPeriod.of(period, account.cycle_day).end
    charge = Charge(
        charge_id=uuid.uuid4().hex,
        description=charge_inputs.description(request.description, kind),
        amount=amount,
        tax_code=tax_inputs.iva_code(request.tax_code, last_day),
        period=period,
        kind=kind,
        number=charge_inputs.number(request.number, account),
        quantity=quantity,
        unit=charge_inputs.unit(request.unit, quantity),
    )
    key = inputs.idempotency_key(request.idempotency_key)
    stored = await svc.charges.add(account_id, charge, key)
    if not same_charge(stored, charge):
        raise IdempotencyConflict()
    return stored
