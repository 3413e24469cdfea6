"""Comprobantes de retención received: POST /v1/admin/withholdings (operators).

The body is the authorized XML as SRI returns it (``application/xml`` or ``text/xml``), not JSON:
it is the fiscal document itself, stored as received."""

from datetime import date, datetime

from fastapi import Request
from pydantic import BaseModel

from billing import use_cases
from billing.api.deps import BillingDep
from billing.api.routes import admin_router
from billing.domain.money import money_text
from common.errors import ApiError, InvalidInput
from common.http import ErrorOut

router = admin_router()

XML_TYPES = ("application/xml", "text/xml")
MAX_BYTES = 512 * 1024  # SRI takes one comprobante of up to 320 KB; its record is a bit more


class WithholdingOut(BaseModel):
    withholding_id: str  # the clave de acceso
    account_id: str
    amount: str  # total withheld, credited on the statement
    issue_date: date
    agent_ruc: str
    retention_number: str
    invoice_ids: list[str]
    authorized_at: str
    received_at: datetime


class UnsupportedMediaType(ApiError):
    def __init__(self) -> None:
        super().__init__(
            415,
            "unsupported_media_type",
            "Envíe el XML autorizado con Content-Type application/xml.",
        )


async def _xml_body(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in XML_TYPES:
        raise UnsupportedMediaType()
    body = await request.body()
    if not body.strip():
        raise InvalidInput.field("xml", "Envíe el XML autorizado del comprobante de retención.")
    if len(body) > MAX_BYTES:
        raise InvalidInput.field("xml", "El XML es demasiado grande (máximo 512 KB).")
    return body


@router.post(
    "/admin/withholdings",
    status_code=201,
    response_model=WithholdingOut,
    responses={415: {"model": ErrorOut, "description": "El cuerpo no es XML (application/xml)."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string"}} for t in XML_TYPES},
        }
    },
)
async def receive_withholding(request: Request, svc: BillingDep) -> WithholdingOut:
    body = await _xml_body(request)
    record = await use_cases.withholdings.receive(svc, body, svc.clock())
    return WithholdingOut(
        withholding_id=record.withholding_id,
        account_id=record.account_id,
        amount=money_text(record.amount),
        issue_date=record.issue_date,
        agent_ruc=record.agent_ruc,
        retention_number=record.retention_number,
        invoice_ids=list(record.invoice_ids),
        authorized_at=record.authorized_at,
        received_at=record.received_at,
    )
