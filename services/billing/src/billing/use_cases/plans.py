"""The plan catalog."""

from dataclasses import dataclass

from billing.domain import inputs
from billing.domain.accounts import Plan
from billing.ports import Accounting


@dataclass(frozen=True)
class IceInput:
    rate_code: str
    rate: str


@dataclass(frozen=True)
class PlanInput:
    name: str
    service_type: str
    monthly_fee: str
    tax_code: str = "4"
    ice: IceInput | None = None


async def list_plans(svc: Accounting) -> list[Plan]:
    return list((await svc.plans.all()).values())


async def put(svc: Accounting, code: str, plan: PlanInput) -> Plan:
    """Create or replace the plan ``code``."""
    fee = inputs.not_negative(plan.monthly_fee, "monthly_fee")
    extra = (inputs.ice(plan.ice.rate_code, plan.ice.rate),) if plan.ice else ()
    checked = Plan(code, plan.name, plan.service_type, fee, plan.tax_code, extra)
    await svc.plans.put(checked)
    return checked
