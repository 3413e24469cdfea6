"""Payments received: recorded once per idempotency key, each with its PaymentRecorded."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from billing.domain import inputs
from billing.domain.idempotency import IdempotencyConflict
from billing.domain.ledger import LedgerEntry
from billing.ports import Accounting
from common.errors import InvalidInput


@dataclass(frozen=True)
class PaymentInput:
    account_id: str
    amount: str
    paid_at: str
    channel: str
    idempotency_key: str


async def record(svc: Accounting, request: PaymentInput, now: datetime) -> LedgerEntry:
    """Record a payment; the same request again with its key gets the first one (one event)."""
    amount = inputs.positive(request.amount, "amount")
    paid_at = inputs.paid_at(request.paid_at, now)
    channel = inputs.text(request.channel, "channel", max_length=50)
    key = inputs.idempotency_key(request.idempotency_key)
    if await svc.accounts.get(request.account_id) is None:
        raise InvalidInput.field("account_id", "No existe una cuenta con ese identificador.")
    entry = LedgerEntry.payment(uuid.uuid4().hex, request.account_id, amount, paid_at, channel, key)
    stored = await svc.ledger.add(entry)
    if not stored.same_request(entry):
        raise IdempotencyConflict()
    return stored
