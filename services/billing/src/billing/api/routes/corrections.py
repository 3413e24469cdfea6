"""Correcting a rejected invoice (docs/api.md "billing (fiscal corrections)"; docs/sri.md §9):
the retry that rebuilds it with the same clave de acceso and secuencial and sends it again. The
list of rejected invoices is ``GET /admin/invoices?status=rejected`` (routes/invoices.py)."""

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from billing.api.deps import Ctx, Operator
from billing.api.routes import billing_router
from billing.api.schemas import Identifier
from billing.use_cases import corrections

router = billing_router("billing-corrections")


class RetryAccepted(BaseModel):
    invoice_id: str
    number: str
    access_key: str  # the same as the rejected version's
    status: str  # pending: the submitter sends it to SRI
    state: str  # signed


@router.post("/admin/invoices/{invoice_id}/retry", status_code=202)
async def retry_invoice(
    invoice_id: Annotated[Identifier, Path()], svc: Ctx, _: Operator
) -> RetryAccepted:
    """Rebuild a rejected invoice from the current account and issuer data with the same clave
    de acceso and secuencial, sign it again and queue it for SRI."""
    invoice = await corrections.retry(svc, invoice_id)
    return RetryAccepted(
        invoice_id=invoice.invoice_id,
        number=invoice.number,
        access_key=invoice.access_key,
        status=invoice.public_status,
        state=invoice.state.value,
    )
