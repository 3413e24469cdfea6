"""The plan catalog."""

from dataclasses import dataclass
from datetime import datetime

from billing.domain import inputs, tax_inputs
from billing.domain.accounts import Plan
from billing.domain.periods import ecuador_day
from billing.ports import Accounting
from common.errors import Conflict


@dataclass(frozen=True)
class IceInput:
    rate_code: str
    rate: str | None = None  # the catalog's; one that disagrees is refused


@dataclass(frozen=True)
class PlanInput:
    name: str
    service_type: str
    monthly_fee: str
    tax_code: str = "4"
    ice: IceInput | None = None


async def list_plans(svc: Accounting) -> list[Plan]:
    return list((await svc.plans.all()).values())


async def put(svc: Accounting, code: str, plan: PlanInput, now: datetime) -> Plan:
    """Create or replace the plan ``code``. Its service type stays while a subscription that
    has not ended uses it: the subscriptions keep theirs (a mobile line on a TV plan). Its
    taxes must be in the tax catalog today (later days bill at the catalog's rates then)."""
    fee = inputs.not_negative(plan.monthly_fee, "monthly_fee")
    today = ecuador_day(now)
    iva = tax_inputs.iva_code(plan.tax_code, today)
    extra = (tax_inputs.ice(plan.ice.rate_code, plan.ice.rate, today),) if plan.ice else ()
    checked = Plan(code, plan.name, plan.service_type, fee, iva, extra)
    current = await svc.plans.get(code)
    changes_type = current is not None and current.service_type != checked.service_type
    if changes_type and await svc.accounts.plan_in_use(code):
        raise Conflict(
            "plan_in_use",
            "El plan tiene suscripciones vigentes: no se puede cambiar su tipo de servicio. "
            "Crea un plan nuevo con ese tipo.",
            {"service_type": "El plan tiene suscripciones vigentes."},
        )
    await svc.plans.put(checked)
    return checked
