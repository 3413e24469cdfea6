"""Subscriptions: POST /v1/admin/accounts/{account_id}/subscriptions and …/{id}/end."""

from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.routes.accounts import SubscriptionOut
from billing.use_cases.subscriptions import SubscriptionInput

router = admin_router()


class SubscriptionIn(BaseModel):
    number: str
    service_type: str
    plan_code: str
    start_date: str
    end_date: str | None = None
    monthly_discount: str = "0.00"


class EndIn(BaseModel):
    end_date: str


@router.post(
    "/admin/accounts/{account_id}/subscriptions", status_code=201, response_model=SubscriptionOut
)
async def add_subscription(
    account_id: str, body: SubscriptionIn, svc: BillingDep
) -> SubscriptionOut:
    request = SubscriptionInput(**body.model_dump())
    return SubscriptionOut.of(await use_cases.subscriptions.add(svc, account_id, request))


@router.post(
    "/admin/accounts/{account_id}/subscriptions/{subscription_id}/end",
    response_model=SubscriptionOut,
)
async def end_subscription(
    account_id: str, subscription_id: str, body: EndIn, svc: BillingDep
) -> SubscriptionOut:
    ended = await use_cases.subscriptions.end(svc, account_id, subscription_id, body.end_date)
    return SubscriptionOut.of(ended)
