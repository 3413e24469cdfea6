"""One-off charges: POST /v1/admin/accounts/{account_id}/charges."""

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.schemas import (
    ChargeKind,
    IdempotencyKey,
    Identifier,
    Period,
    PhoneNumber,
    PositiveMoney,
    Quantity,
    TaxCode,
    Text,
    Unit,
)
from billing.domain.money import money_text
from billing.use_cases.charges import ChargeInput

router = admin_router()


class ChargeIn(BaseModel):
    description: Text
    amount: PositiveMoney  # before taxes
    tax_code: TaxCode
    # Not after the current month (the domain's rule: the schema cannot know today).
    period: Period
    idempotency_key: IdempotencyKey
    kind: ChargeKind = "other"
    # One of the account's lines (the domain's rule); its detalle then names it.
    number: PhoneNumber | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None  # only with a quantity


class ChargeOut(BaseModel):
    charge_id: str
    account_id: str
    description: str
    amount: str
    tax_code: str
    period: str
    kind: str
    number: str | None
    quantity: str | None
    unit: str | None


@router.post("/admin/accounts/{account_id}/charges", status_code=201, response_model=ChargeOut)
async def add_charge(
    account_id: Annotated[Identifier, Path()], body: ChargeIn, svc: BillingDep
) -> ChargeOut:
    request = ChargeInput(**body.model_dump())
    charge = await use_cases.charges.add(svc, account_id, request, svc.clock())
    return ChargeOut(
        charge_id=charge.charge_id,
        account_id=account_id,
        description=charge.description,
        amount=money_text(charge.amount),
        tax_code=charge.tax_code,
        period=charge.period,
        kind=charge.kind,
        number=charge.number,
        quantity=None if charge.quantity is None else str(charge.quantity),
        unit=charge.unit,
    )
