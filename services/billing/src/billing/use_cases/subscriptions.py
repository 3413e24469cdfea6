"""Subscriptions: a number on a plan, added to an account and ended.

A number is on one subscription at a time across all accounts: the store claims it (a unique
insert), the account decides who may hold it (``Account.replayed_or_free``). The events carry
the plan's name from the catalog (lines shows it), which the domain does not read.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from billing.domain import inputs
from billing.domain.accounts import Account, NumberHolding, Plan, Subscription
from billing.ports import Accounting
from billing.use_cases.accounts import account_not_found, get
from common.errors import Conflict, InvalidInput


@dataclass(frozen=True)
class SubscriptionInput:
    number: str
    service_type: str
    plan_code: str
    start_date: str
    end_date: str | None = None
    monthly_discount: str = "0.00"


async def add(svc: Accounting, account_id: str, request: SubscriptionInput) -> Subscription:
    """Subscribe a number; the same request again for the same account gets the first one."""
    account = await get(svc, account_id)  # 404 before judging the body against the catalog
    plan = await _plan(svc, request)
    return await subscribe(svc, account, _subscription(plan, request), plan.name)


async def _plan(svc: Accounting, request: SubscriptionInput) -> Plan:
    plan = await svc.plans.get(request.plan_code)
    if plan is None:
        raise InvalidInput.field("plan_code", "No existe un plan con ese código.")
    if request.service_type != plan.service_type:
        message = f"El plan {plan.code} es de servicio {plan.service_type}."
        raise InvalidInput.field("service_type", message)
    return plan


def _subscription(plan: Plan, request: SubscriptionInput) -> Subscription:
    discount = inputs.not_negative(request.monthly_discount, "monthly_discount")
    if discount > plan.monthly_fee:
        message = "El descuento no puede superar la tarifa del plan."
        raise InvalidInput.field("monthly_discount", message)
    start = inputs.day(request.start_date, "start_date")
    end = inputs.day(request.end_date, "end_date") if request.end_date is not None else None
    return Subscription(
        uuid.uuid4().hex, request.number, request.service_type, plan.code, start, end, discount
    )


async def subscribe(
    svc: Accounting, account: Account, subscription: Subscription, plan_name: str | None = None
) -> Subscription:
    """Claim the number, then add the subscription with its SubscriptionActivated (the plan's
    name read from the catalog unless given)."""

    def check(holdings: Sequence[NumberHolding]) -> Subscription | None:
        return account.replayed_or_free(subscription, holdings)

    claim = await svc.accounts.claim_number(account.account_id, subscription, check)
    if isinstance(claim, Subscription):
        return claim  # the same request again: its first answer, no second event
    if claim is None:
        raise Conflict("conflict", "Otra operación cambió este número; intente de nuevo.")
    if plan_name is None:
        plan_name = await _plan_name(svc, subscription.plan_code)
    changed = account.subscribe(subscription, plan_name)
    if not await svc.accounts.add_subscription(changed, subscription.subscription_id):
        await svc.accounts.release_claim(claim)  # the account is gone: nothing holds the number
        raise account_not_found()
    return subscription


async def end(
    svc: Accounting, account_id: str, subscription_id: str, end_date: str
) -> Subscription:
    """End on ``end_date`` (inclusive); the same date again changes nothing."""
    end_on = inputs.day(end_date, "end_date")
    account = await get(svc, account_id)
    current = account.subscription(subscription_id)
    plan_name = await _plan_name(svc, current.plan_code)
    changed = account.end_subscription(subscription_id, end_on, plan_name)
    if changed.events and not await svc.accounts.save_end(
        changed, subscription_id, current.end_date
    ):
        raise Conflict("conflict", "Otra operación cambió esta suscripción; intente de nuevo.")
    return changed.subscription(subscription_id)


async def _plan_name(svc: Accounting, plan_code: str) -> str | None:
    """The plan's name for the events (None if the plan left the catalog)."""
    plan = await svc.plans.get(plan_code)
    return plan.name if plan else None
