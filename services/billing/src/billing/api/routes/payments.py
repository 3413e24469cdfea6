"""The ledger: POST /v1/admin/payments and POST /v1/admin/accounts/{account_id}/adjustments."""

from datetime import date, datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.schemas import (
    Channel,
    Day,
    IdempotencyKey,
    Identifier,
    PositiveMoney,
    SignedMoney,
    Text,
    Timestamp,
)
from billing.domain.money import money_text
from billing.use_cases.adjustments import AdjustmentInput
from billing.use_cases.payments import PaymentInput

router = admin_router()


class PaymentIn(BaseModel):
    account_id: Identifier  # an account that exists (else 422 on account_id)
    amount: PositiveMoney
    paid_at: Timestamp  # not in the future
    channel: Channel
    idempotency_key: IdempotencyKey


class PaymentOut(BaseModel):
    payment_id: str
    account_id: str
    amount: str
    paid_at: datetime
    channel: str


class AdjustmentIn(BaseModel):
    amount: SignedMoney  # positive raises what the customer owes, negative is a credit
    reason: Text
    effective_date: Day  # not in the future
    idempotency_key: IdempotencyKey


class AdjustmentOut(BaseModel):
    adjustment_id: str
    account_id: str
    amount: str
    reason: str
    effective_date: date


@router.post("/admin/payments", status_code=201, response_model=PaymentOut)
async def record_payment(body: PaymentIn, svc: BillingDep) -> PaymentOut:
    request = PaymentInput(**body.model_dump())
    payment = await use_cases.payments.record(svc, request, svc.clock())
    assert payment.paid_at is not None and payment.channel is not None
    return PaymentOut(
        payment_id=payment.entry_id,
        account_id=payment.account_id,
        amount=money_text(payment.amount),
        paid_at=payment.paid_at,
        channel=payment.channel,
    )


@router.post(
    "/admin/accounts/{account_id}/adjustments", status_code=201, response_model=AdjustmentOut
)
async def add_adjustment(
    account_id: Annotated[Identifier, Path()], body: AdjustmentIn, svc: BillingDep
) -> AdjustmentOut:
    request = AdjustmentInput(**body.model_dump())
    adjustment = await use_cases.adjustments.add(svc, account_id, request, svc.clock())
    return AdjustmentOut(
        adjustment_id=adjustment.entry_id,
        account_id=account_id,
        amount=money_text(adjustment.amount),
        reason=adjustment.description,
        effective_date=adjustment.on,
    )
