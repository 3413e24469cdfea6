"""Rejected invoices and their correction (docs/sri.md §9; docs/api.md "billing (fiscal
corrections)").

The operator lists what SRI refused with SRI's messages, fixes the account or issuer data with
the admin endpoints, and retries: the invoice is rebuilt from the current data with the same
clave de acceso and secuencial (``domain/correction.py``), signed again, written back in
``signed`` with InvoiceCorrected in one compare-and-set on ``version``, and handed to the
submitter. Two retries at once rebuild it once: the second finds it moved (``conflict``) or no
longer rejected (``not_rejected``).
"""

import asyncio

from billing.domain.correction import corrected_factura, invoice_holder
from billing.domain.issued_invoice import ClaveWouldChange, IssuedInvoice
from billing.domain.submission import REJECTED
from billing.domain.transmission_window import TransmissionWindow
from billing.ports.corrections import Correcting
from billing.use_cases.invoices import invoice_not_found
from common.errors import Conflict
from common.logging import get_logger

log = get_logger(__name__)
MAX_LISTED = 500


async def rejected(svc: Correcting, limit: int = MAX_LISTED) -> list[IssuedInvoice]:
    """Invoices SRI refused (returned, not_authorized), latest first, with SRI's messages."""
    return await svc.corrections.rejected(limit)


def _within_window(svc: Correcting, invoice: IssuedInvoice) -> None:
    """The clave embeds fechaEmision, so the corrected version keeps the date: once its
    transmission window has closed, SRI would only answer 65 (docs/sri.md §9)."""
    window = TransmissionWindow(svc.settings.sri_transmission_window_hours)
    if not window.open_for(invoice.issue_date, svc.clock()):
        raise Conflict(
            "outside_transmission_window",
            f"La factura es del {invoice.issue_date:%d/%m/%Y} y su plazo de envío al SRI "
            f"({window.hours} h) terminó: corregida con la misma clave de acceso, el SRI la "
            "rechazaría (error 65).",
        )


async def retry(svc: Correcting, invoice_id: str) -> IssuedInvoice:
    """Correct a rejected invoice and queue it for SRI; the invoice as written (``signed``)."""
    invoice = await svc.invoices.get(invoice_id)
    if invoice is None or invoice.factura is None:
        raise invoice_not_found()
    if invoice.state not in REJECTED:
        raise Conflict(
            "not_rejected",
            "Solo se corrige una factura rechazada por el SRI (devuelta o no autorizada).",
        )
    _within_window(svc, invoice)
    issuer = await svc.issuer.issuer()
    if issuer is None:
        raise Conflict("issuer_not_configured", "Configura primero los datos del emisor.")
    account = await svc.accounts.get(invoice.account_id)
    if account is None:
        raise Conflict("account_not_found", "La cuenta de la factura ya no existe.")
    try:
        factura = corrected_factura(invoice.factura, issuer, account)
        invoice.corrected(factura, invoice_holder(account), svc.clock())
    except ClaveWouldChange as error:
        raise Conflict(
            "clave_would_change",
            "El RUC, el ambiente o el punto de emisión del emisor cambiaron: la factura "
            "corregida debe conservar su clave de acceso.",
        ) from error
    except ValueError as error:  # the current data cannot make a valid factura
        raise Conflict("not_correctable", f"La factura no se puede reconstruir: {error}") from error
    xml = await asyncio.to_thread(svc.signer().sign, factura)
    if not await svc.corrections.save_corrected(invoice):
        raise Conflict("conflict", "La factura cambió mientras se corregía; consulta su estado.")
    await svc.invoices.save_signed([(invoice.invoice_id, xml)])
    svc.submit_now([(invoice, xml)])
    log.info("invoice_corrected", invoice_id=invoice_id, access_key=invoice.access_key)
    return invoice
