"""Invoices as the operator reads them: an account's invoices, one invoice, its fiscal record.

Operators only for now; customers reach their own invoices once lines (verified numbers) exist.
"""

from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.submission import State
from billing.ports import Invoicing
from common.errors import Conflict, NotFound


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
