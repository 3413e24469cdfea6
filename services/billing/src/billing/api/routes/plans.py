"""The plan catalog: GET /v1/admin/plans, PUT /v1/admin/plans/{code}."""

from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.schemas import IceRate, IceRateCode, Money, PlanCode, ServiceType, TaxCode, Text
from billing.domain.accounts import Plan
from billing.domain.money import money_text
from billing.domain.taxes import ICE, iva_rate
from billing.use_cases.plans import IceInput, PlanInput

router = admin_router()


class IceIn(BaseModel):
    rate_code: IceRateCode
    rate: IceRate


class IceOut(BaseModel):
    rate_code: str
    rate: str


class PlanIn(BaseModel):
    name: Text
    # Not another one while subscriptions that have not ended use the plan (409 plan_in_use).
    service_type: ServiceType
    monthly_fee: Money
    tax_code: TaxCode = "4"
    ice: IceIn | None = None


class TaxOut(BaseModel):
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
    def of(cls, plan: Plan) -> "PlanOut":
        iva = iva_rate(plan.tax_code)
        ice = next((t for t in plan.extra_taxes if t.tax_code == ICE), None)
        taxes = [TaxOut(tax="IVA", code=iva.code, rate=str(iva.rate))]
        taxes += [TaxOut(tax="ICE", code=t.rate_code, rate=str(t.rate)) for t in plan.extra_taxes]
        return cls(
            code=plan.code,
            name=plan.name,
            service_type=plan.service_type,
            monthly_fee=money_text(plan.monthly_fee),
            tax_code=plan.tax_code,
            ice=IceOut(rate_code=ice.rate_code, rate=str(ice.rate)) if ice else None,
            taxes=taxes,
        )


@router.get("/admin/plans", response_model=list[PlanOut])
async def list_plans(svc: BillingDep) -> list[PlanOut]:
    return [PlanOut.of(plan) for plan in await use_cases.plans.list_plans(svc)]


@router.put("/admin/plans/{code}", response_model=PlanOut)
async def put_plan(code: Annotated[PlanCode, Path()], body: PlanIn, svc: BillingDep) -> PlanOut:
    ice = IceInput(**body.ice.model_dump()) if body.ice else None
    plan = PlanInput(body.name, body.service_type, body.monthly_fee, body.tax_code, ice)
    return PlanOut.of(await use_cases.plans.put(svc, code, plan))
