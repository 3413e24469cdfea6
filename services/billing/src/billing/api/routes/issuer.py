"""The issuer (emisor): GET and PUT /v1/admin/issuer."""

from typing import Any, Literal

from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router

router = admin_router()


class EstablishmentIn(BaseModel):
    code: str
    address: str
    emission_points: list[str]


class BillingPointIn(BaseModel):
    establishment: str
    emission_point: str


class IssuerIn(BaseModel):
    ruc: str
    razon_social: str
    nombre_comercial: str | None = None
    dir_matriz: str
    obligado_contabilidad: bool
    contribuyente_especial: str | None = None
    agente_retencion: str | None = None
    ambiente: Literal["pruebas", "produccion"]
    establishments: list[EstablishmentIn]
    billing_point: BillingPointIn


@router.get("/admin/issuer", response_model=IssuerIn)
async def get_issuer(svc: BillingDep) -> dict[str, Any]:
    return await use_cases.issuer.get(svc)


@router.put("/admin/issuer", response_model=IssuerIn)
async def put_issuer(body: IssuerIn, svc: BillingDep) -> dict[str, Any]:
    return await use_cases.issuer.configure(svc, body.model_dump())
