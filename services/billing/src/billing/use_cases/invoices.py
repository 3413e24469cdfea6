"""Invoices as their readers see them: an account's invoices (operators), a line's invoices, one
invoice, its fiscal record and its RIDE link — operators any, customers those of the lines they
hold (``domain/ownership.py``). What a customer may not see is answered exactly like an unknown
invoice: nothing tells them it exists.
"""

from datetime import datetime

from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.ownership import Viewer
from billing.domain.submission import State
from billing.ports import InvoiceReads, Invoicing, RideLinks
from billing.use_cases.ownership import holdings, line_number
from common.errors import Conflict, NotFound
from common.links import sign_link


def invoice_not_found() -> NotFound:
    return NotFound("No encontramos esa factura.")


async def of_account(svc: Invoicing, account_id: str) -> list[IssuedInvoice]:
    """An account's invoices, newest period first (operators)."""
    return await svc.invoices.for_account(account_id)


async def of_line(svc: InvoiceReads, line: str, viewer: Viewer) -> list[IssuedInvoice]:
    """The invoices that billed ``line`` (any typed form), newest period first.

    A customer gets those of the line they hold, on its account only (a recycled number keeps
    the previous holder's invoices to itself); a line they do not hold is 404.
    """
    number = line_number(line)
    held = await holdings(svc, viewer)
    if not viewer.may_read_line(held, number):
        raise NotFound("No tienes registrada esa línea.")
    found = await svc.invoices.with_number(number)
    return [i for i in found if viewer.may_see(held, i.account_id, [number])]


async def get(svc: InvoiceReads, invoice_id: str, viewer: Viewer) -> IssuedInvoice:
    """One invoice with its factura, if ``viewer`` may see it (else 404, as if unknown)."""
    invoice = await svc.invoices.get(invoice_id)
    if invoice is None or not viewer.may_see(
        await holdings(svc, viewer), invoice.account_id, invoice.lines
    ):
        raise invoice_not_found()
    return invoice


async def authorized_xml(
    svc: InvoiceReads, invoice_id: str, viewer: Viewer
) -> tuple[IssuedInvoice, bytes]:
    """The fiscal record: SRI's ``autorizacion`` with the signed comprobante inside."""
    invoice = await get(svc, invoice_id, viewer)
    xml = (
        await svc.invoices.authorized_xml(invoice_id) if invoice.state == State.AUTHORIZED else None
    )
    if xml is None:
        raise Conflict("not_authorized", "La factura aún no tiene autorización del SRI.")
    return invoice, xml


async def ride_rendered(svc: Invoicing, invoice_id: str, rendered_at: datetime) -> None:
    """rendering stored the invoice's RIDE: from now on ``ride_link`` hands out links to it."""
    await svc.invoices.mark_ride_rendered(invoice_id, rendered_at)


async def ride_link(svc: RideLinks, invoice_id: str, viewer: Viewer, now: datetime) -> str:
    """A link to the invoice's RIDE at rendering, signed for ``ride_link_seconds``.

    For an invoice ``viewer`` may see (else 404, before anything else is said about it).
    Without a RIDE yet (rendering has not announced it): 409, the client tries again later.
    """
    invoice = await get(svc, invoice_id, viewer)
    if await svc.invoices.ride_rendered_at(invoice_id) is None:
        raise Conflict(
            "ride_not_ready", "La factura aún no tiene su RIDE; intenta en unos minutos."
        )
    settings = svc.settings
    expires = int(now.timestamp()) + settings.ride_link_seconds
    signature = sign_link(settings.ride_link_secret, invoice.access_key, expires)
    base = settings.rendering_public_url.rstrip("/")
    return f"{base}/v1/rides/{invoice.access_key}.pdf?expires={expires}&signature={signature}"
