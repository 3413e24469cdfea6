"""The plan catalog: GET /v1/admin/plans, PUT /v1/admin/plans/{code}."""

from datetime import date
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.schemas import IceRate, IceRateCode, Money, PlanCode, ServiceType, TaxCode, Text
from billing.domain import tax_catalog
from billing.domain.accounts import Plan
from billing.domain.money import money_text
from billing.domain.periods import ecuador_day
from billing.domain.tax_catalog import TaxEntry, TaxKind
from billing.domain.taxes import ICE
from billing.use_cases.plans import IceInput, PlanInput

router = admin_router()


class IceIn(BaseModel):
    rate_code: IceRateCode
    # Optional and checked: the rate is the tax catalog's (0 for 3092 today); another is a 422.
    rate: IceRate | None = None


class IceOut(BaseModel):
    rate_code: str
    rate: str | None  # the catalog's today; None when the code is not in force today


class PlanIn(BaseModel):
    name: Text
    # Not another one while subscriptions that have not ended use the plan (409 plan_in_use).
    service_type: ServiceType
    monthly_fee: Money
    tax_code: TaxCode = "4"
    ice: IceIn | None = None


class TaxOut(BaseModel):
    """A tax the plan bills today, from the tax catalog (a general-rate IVA code shows the
    general rate in force)."""

    tax: Literal["IVA", "ICE"]
    code: str
    rate: str  # percent


class PlanOut(BaseModel):
    code: str
    name: str
    service_type: str
    monthly_fee: str
    tax_code: str
    ice: IceOut | None
    taxes: list[TaxOut]

    @classmethod
    def of(cls, plan: Plan, today: date) -> "PlanOut":
        refs = tax_catalog.refs(plan.tax_code, plan.extra_taxes)
        today_taxes = [_today(kind, code, today) for kind, code in refs]
        taxes = [TaxOut(tax=e.tax, code=e.code, rate=str(e.rate)) for e in today_taxes if e]
        ice = next((t for t in plan.extra_taxes if t.tax_code == ICE), None)
        ice_today = _today("ICE", ice.rate_code, today) if ice else None
        ice_rate = str(ice_today.rate) if ice_today else None
        return cls(
            code=plan.code,
            name=plan.name,
            service_type=plan.service_type,
            monthly_fee=money_text(plan.monthly_fee),
            tax_code=plan.tax_code,
            ice=IceOut(rate_code=ice.rate_code, rate=ice_rate) if ice else None,
            taxes=taxes,
        )


def _today(kind: TaxKind, code: str, today: date) -> TaxEntry | None:
    try:
        return tax_catalog.resolve(kind, code, today)
    except tax_catalog.NotInForce:  # a plan stored before the catalog, with a code it lacks
        return None


@router.get("/admin/plans", response_model=list[PlanOut])
async def list_plans(svc: BillingDep) -> list[PlanOut]:
    today = ecuador_day(svc.clock())
    return [PlanOut.of(plan, today) for plan in await use_cases.plans.list_plans(svc)]


@router.put("/admin/plans/{code}", response_model=PlanOut)
async def put_plan(code: Annotated[PlanCode, Path()], body: PlanIn, svc: BillingDep) -> PlanOut:
    ice = IceInput(**body.ice.model_dump()) if body.ice else None
    plan = PlanInput(body.name, body.service_type, body.monthly_fee, body.tax_code, ice)
    now = svc.clock()
    return PlanOut.of(await use_cases.plans.put(svc, code, plan, now), ecuador_day(now))
