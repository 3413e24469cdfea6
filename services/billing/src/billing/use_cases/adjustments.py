"""Adjustments: signed amounts on the account (positive raises what the customer owes, negative
is a credit), recorded once per idempotency key."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from billing.domain import inputs
from billing.domain.idempotency import IdempotencyConflict
from billing.domain.ledger import LedgerEntry, adjustment_amount, effective_date
from billing.domain.periods import ecuador_day
from billing.ports import Accounting
from billing.use_cases.accounts import get


@dataclass(frozen=True)
class AdjustmentInput:
    amount: str
    reason: str
    effective_date: str
    idempotency_key: str


async def add(
    svc: Accounting, account_id: str, request: AdjustmentInput, now: datetime
) -> LedgerEntry:
    await get(svc, account_id)
    amount = adjustment_amount(inputs.amount(request.amount, "amount"))
    effective = inputs.day(request.effective_date, "effective_date")
    effective = effective_date(effective, ecuador_day(now))
    entry = LedgerEntry.adjustment(
        uuid.uuid4().hex,
        account_id,
        amount,
        effective,
        inputs.text(request.reason, "reason"),
        inputs.idempotency_key(request.idempotency_key),
    )
    stored = await svc.ledger.add(entry)
    if not stored.same_request(entry):
        raise IdempotencyConflict()
    return stored
