"""The issuer (emisor): GET and PUT /v1/admin/issuer."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.api.schemas import OptionalText, Ruc, Text, ThreeDigits, published

router = admin_router()


class EstablishmentIn(BaseModel):
    code: ThreeDigits  # distinct across establishments
    address: Text
    emission_points: Annotated[list[ThreeDigits], published(minItems=1, uniqueItems=True)]


class BillingPointIn(BaseModel):
    """One of the emission points configured in ``establishments``."""

    establishment: ThreeDigits
    emission_point: ThreeDigits


class IssuerIn(BaseModel):
    ruc: Ruc
    razon_social: Text
    nombre_comercial: OptionalText | None = None
    dir_matriz: Text
    obligado_contabilidad: bool
    # Blank is none; else the resolution's 3 to 13 letters or digits.
    contribuyente_especial: Annotated[str, published(pattern="^([A-Za-z0-9]{3,13})?$")] | None = (
        None
    )
    # Blank is none; else the resolution number, 1 to 8 digits.
    agente_retencion: Annotated[str, published(pattern="^([0-9]{1,8})?$")] | None = None
    # Blank is none (not designated); else the Gran Contribuyente resolution number, written
    # in infoAdicional.
    gran_contribuyente: (
        Annotated[str, published(pattern="^([A-Za-z0-9][A-Za-z0-9-]{0,39})?$")] | None
    ) = None
    ambiente: Literal["pruebas", "produccion"]
    establishments: Annotated[list[EstablishmentIn], published(minItems=1)]
    billing_point: BillingPointIn


class EstablishmentOut(BaseModel):
    code: str
    address: str
    emission_points: list[str]


class BillingPointOut(BaseModel):
    establishment: str
    emission_point: str


class IssuerOut(BaseModel):
    """The configuration as stored (texts cleaned, blanks as null)."""

    ruc: str
    razon_social: str
    nombre_comercial: str | None = None
    dir_matriz: str
    obligado_contabilidad: bool
    contribuyente_especial: str | None = None
    agente_retencion: str | None = None
    gran_contribuyente: str | None = None
    ambiente: Literal["pruebas", "produccion"]
    establishments: list[EstablishmentOut]
    billing_point: BillingPointOut


@router.get("/admin/issuer", response_model=IssuerOut)
async def get_issuer(svc: BillingDep) -> dict[str, Any]:
    return await use_cases.issuer.get(svc)


@router.put("/admin/issuer", response_model=IssuerOut)
async def put_issuer(body: IssuerIn, svc: BillingDep) -> dict[str, Any]:
    return await use_cases.issuer.configure(svc, body.model_dump())
