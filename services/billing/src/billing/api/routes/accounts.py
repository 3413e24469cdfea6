"""Accounts: POST /v1/admin/accounts, PATCH one (holder, formaPago), GET
/v1/admin/accounts?id_number=, GET one."""

from datetime import date
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.schemas import (
    CycleDay,
    Email,
    IdempotencyKey,
    Identifier,
    IdNumber,
    OptionalPhone,
    PaymentMethod,
    Text,
)
from billing.domain.accounts import Account, Subscription
from billing.domain.money import money_text
from billing.use_cases.accounts import HolderInput

router = admin_router()


class HolderIn(BaseModel):
    id_type: Literal["cedula", "ruc", "passport"]
    id_number: IdNumber
    name: Text
    address: Text
    email: Email
    phone: OptionalPhone = ""


class HolderOut(BaseModel):
    id_type: Literal["cedula", "ruc", "passport"]
    id_number: str
    name: str
    address: str
    email: str
    phone: str  # E.164, or empty


class AccountIn(BaseModel):
    holder: HolderIn
    cycle_day: CycleDay
    payment_method: PaymentMethod
    # Optional (docs/api.md): lets a script retry a creation without making two accounts.
    idempotency_key: IdempotencyKey | None = None


class AccountCreated(BaseModel):
    account_id: str


class SubscriptionOut(BaseModel):
    subscription_id: str
    number: str
    service_type: str
    plan_code: str
    start_date: date
    end_date: date | None
    monthly_discount: str

    @classmethod
    def of(cls, sub: Subscription) -> "SubscriptionOut":
        return cls(
            subscription_id=sub.subscription_id,
            number=sub.number,
            service_type=sub.service_type,
            plan_code=sub.plan_code,
            start_date=sub.start_date,
            end_date=sub.end_date,
            monthly_discount=money_text(sub.monthly_discount),
        )


class AccountOut(BaseModel):
    account_id: str
    holder: HolderOut
    cycle_day: int
    payment_method: str
    subscriptions: list[SubscriptionOut]

    @classmethod
    def of(cls, account: Account) -> "AccountOut":
        holder = account.holder
        return cls(
            account_id=account.account_id,
            holder=HolderOut(
                id_type=holder.id_type,
                id_number=holder.id_number,
                name=holder.name,
                address=holder.address,
                email=holder.email,
                phone=holder.phone,
            ),
            cycle_day=account.cycle_day,
            payment_method=account.payment_method,
            subscriptions=[SubscriptionOut.of(s) for s in account.subscriptions],
        )


@router.post("/admin/accounts", status_code=201, response_model=AccountCreated)
async def create_account(body: AccountIn, svc: BillingDep) -> AccountCreated:
    holder = HolderInput(**body.holder.model_dump())
    account = await use_cases.accounts.create(
        svc, holder, body.cycle_day, body.payment_method, body.idempotency_key
    )
    return AccountCreated(account_id=account.account_id)


class AccountChanges(BaseModel):
    holder: HolderIn | None = None
    payment_method: PaymentMethod | None = None


@router.patch("/admin/accounts/{account_id}", response_model=AccountOut)
async def correct_account(
    account_id: Annotated[Identifier, Path()], body: AccountChanges, svc: BillingDep
) -> AccountOut:
    holder = HolderInput(**body.holder.model_dump()) if body.holder else None
    changed = await use_cases.accounts.correct(svc, account_id, holder, body.payment_method)
    return AccountOut.of(changed)


@router.get("/admin/accounts", response_model=list[AccountOut])
async def find_accounts(
    svc: BillingDep, id_number: Annotated[Identifier, Query()]
) -> list[AccountOut]:
    return [AccountOut.of(a) for a in await use_cases.accounts.find(svc, id_number)]


@router.get("/admin/accounts/{account_id}", response_model=AccountOut)
async def get_account(account_id: Annotated[Identifier, Path()], svc: BillingDep) -> AccountOut:
    return AccountOut.of(await use_cases.accounts.get(svc, account_id))
