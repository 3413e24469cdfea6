"""Invoices as the operator reads them: an account's invoices, one invoice, its fiscal record.

Operators only for now; customers reach their own invoices once lines (verified numbers) exist.
"""

from datetime import datetime

from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.submission import State
from billing.ports import Invoicing, RideLinks
from common.errors import Conflict, NotFound
from common.links import sign_link


async def of_account(svc: Invoicing, account_id: str) -> list[IssuedInvoice]:
    """An account's invoices, newest period first."""
    return await svc.invoices.for_account(account_id)


async def get(svc: Invoicing, invoice_id: str) -> IssuedInvoice:
    """One invoice with its factura."""
    invoice = await svc.invoices.get(invoice_id)
    if invoice is None:
        raise NotFound("No encontramos esa factura.")
    return invoice


async def authorized_xml(svc: Invoicing, invoice_id: str) -> tuple[IssuedInvoice, bytes]:
    """The fiscal record: SRI's ``autorizacion`` with the signed comprobante inside."""
    invoice = await get(svc, invoice_id)
    xml = (
        await svc.invoices.authorized_xml(invoice_id) if invoice.state == State.AUTHORIZED else None
    )
    if xml is None:
        raise Conflict("not_authorized", "La factura aún no tiene autorización del SRI.")
    return invoice, xml


async def ride_rendered(svc: Invoicing, invoice_id: str, rendered_at: datetime) -> None:
    """rendering stored the invoice's RIDE: from now on ``ride_link`` hands out links to it."""
    await svc.invoices.mark_ride_rendered(invoice_id, rendered_at)


async def ride_link(svc: RideLinks, invoice_id: str, now: datetime) -> str:
    """A link to the invoice's RIDE at rendering, signed for ``ride_link_seconds``.

    Operators: any invoice; customers: their own once lines exist. Without a RIDE yet
    (rendering has not announced it): 409, the client tries again later.
    """
    invoice = await svc.invoices.get(invoice_id)
    if invoice is None:
        raise NotFound("No encontramos esa factura.")
    if await svc.invoices.ride_rendered_at(invoice_id) is None:
        raise Conflict(
            "ride_not_ready", "La factura aún no tiene su RIDE; intenta en unos minutos."
        )
    settings = svc.settings
    expires = int(now.timestamp()) + settings.ride_link_seconds
    signature = sign_link(settings.ride_link_secret, invoice.access_key, expires)
    base = settings.rendering_public_url.rstrip("/")
    return f"{base}/v1/rides/{invoice.access_key}.pdf?expires={expires}&signature={signature}"
