"""Subscriptions: POST /v1/admin/accounts/{account_id}/subscriptions and …/{id}/end."""

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.routes.accounts import SubscriptionOut
from billing.api.schemas import Day, Identifier, Money, PhoneNumber, PlanCode, ServiceType
from billing.use_cases.subscriptions import SubscriptionInput

router = admin_router()


class SubscriptionIn(BaseModel):
    number: PhoneNumber
    # The plan's (the domain checks it against the catalog).
    service_type: ServiceType
    plan_code: PlanCode  # a plan of the catalog
    start_date: Day
    end_date: Day | None = None  # not before start_date
    monthly_discount: Money = "0.00"  # not above the plan's fee


class EndIn(BaseModel):
    end_date: Day  # not before the start, not after an end already set


@router.post(
    "/admin/accounts/{account_id}/subscriptions", status_code=201, response_model=SubscriptionOut
)
async def add_subscription(
    account_id: Annotated[Identifier, Path()], body: SubscriptionIn, svc: BillingDep
) -> SubscriptionOut:
    request = SubscriptionInput(**body.model_dump())
    return SubscriptionOut.of(await use_cases.subscriptions.add(svc, account_id, request))


@router.post(
    "/admin/accounts/{account_id}/subscriptions/{subscription_id}/end",
    response_model=SubscriptionOut,
)
async def end_subscription(
    account_id: Annotated[Identifier, Path()],
    subscription_id: Annotated[Identifier, Path()],
    body: EndIn,
    svc: BillingDep,
) -> SubscriptionOut:
    ended = await use_cases.subscriptions.end(svc, account_id, subscription_id, body.end_date)
    return SubscriptionOut.of(ended)
