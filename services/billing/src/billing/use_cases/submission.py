"""One invoice's next step through SRI: the aggregate decides (domain/issued_invoice.py, with the
state machine of domain/submission.py), this performs the I/O.

Every step is a compare-and-set on the invoice's ``version``, so a step is applied once even if
two workers look at the same invoice. ``submitting`` is written *before* the document is sent: an
invoice found in that state (after a crash, a timeout, a 500) is first looked up in Autorización
and only sent again if SRI says it has no such key.
"""

import asyncio
from collections.abc import Sequence

from billing.domain.events import InvoiceEvent
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.submission import (
    Action,
    AuthorizationAnswer,
    Message,
    ReceptionAnswer,
    SriNoAnswer,
)
from billing.metrics import SRI_LATE_SUBMISSIONS
from billing.ports import Clock, SriAuthorization, SriMessage, Submitting
from common.logging import get_logger

log = get_logger(__name__)


async def step(
    svc: Submitting, invoice: IssuedInvoice, xml: bytes | None, now: Clock
) -> list[InvoiceEvent]:
    """Send the invoice if it is signed (``xml``: its signed XML, when known), else ask for its
    authorization. Returns the events written (InvoiceIssued, InvoiceRejected).

    Once SRI has it the first query waits SRI_FIRST_QUERY_DELAY_SECONDS (SRI's guidance,
    domain/sri_polling.py): the loop picks it up when it is due, not in this step."""
    written: list[InvoiceEvent] = []
    if invoice.next_action == Action.SEND:
        await _send(svc, invoice, xml, now, written)
    elif invoice.next_action == Action.QUERY:
        await _query(svc, invoice, now, written)
    return written


async def unanswered(svc: Submitting, invoice: IssuedInvoice, now: Clock) -> list[InvoiceEvent]:
    """No answer (or an error of ours): same state, next try after a backoff."""
    written: list[InvoiceEvent] = []
    invoice.unanswered(now(), svc.policy)
    await _save(svc, invoice, written)
    return written


# -- reception -------------------------------------------------------------------------------


async def _signed_xml(svc: Submitting, invoice: IssuedInvoice, known: bytes | None) -> bytes:
    xml = known or await svc.invoices.signed_xml(invoice.invoice_id)
    if xml is None or invoice.access_key.encode() not in xml:
        # The process died between storing the invoice and its XML: sign it again (it never
        # left, so nobody has the first signature).
        factura = invoice.factura or await svc.invoices.factura(invoice.invoice_id)
        if factura is None:
            raise LookupError(f"invoice {invoice.invoice_id} is gone")
        xml = await asyncio.to_thread(svc.signer().sign, factura)
        await svc.invoices.save_signed([(invoice.invoice_id, xml)])
    return xml


async def _send(
    svc: Submitting,
    invoice: IssuedInvoice,
    known: bytes | None,
    now: Clock,
    written: list[InvoiceEvent],
) -> bool:
    """Whether SRI answered and the answer was written."""
    xml = await _signed_xml(svc, invoice, known)
    invoice.submitting(now(), svc.policy)
    if not await _save(svc, invoice, written):
        return False
    _note_if_late(svc, invoice, now)
    try:
        reception = await svc.sri.submit(xml)
    except SriNoAnswer as error:
        log.warning("sri_reception_unanswered", invoice_id=invoice.invoice_id, error=str(error))
        return False  # stays submitting; due after the wait, then resolved by a query
    answer = ReceptionAnswer(reception.status, _messages(reception.messages))
    invoice.reception_answered(answer, now(), svc.policy)
    return await _save(svc, invoice, written)


def _note_if_late(svc: Submitting, invoice: IssuedInvoice, now: Clock) -> None:
    """A document past SRI's transmission window is still sent, never re-dated (its clave holds
    its date): SRI answers 65 and the invoice waits, rejected, for the operator. Said loudly."""
    if svc.window.open_for(invoice.issue_date, now()):
        return
    SRI_LATE_SUBMISSIONS.inc()
    log.warning(
        "sri_submission_outside_window",
        invoice_id=invoice.invoice_id,
        issue_date=invoice.issue_date.isoformat(),
        deadline=svc.window.deadline(invoice.issue_date).isoformat(),
    )


# -- authorization ---------------------------------------------------------------------------


async def _query(
    svc: Submitting, invoice: IssuedInvoice, now: Clock, written: list[InvoiceEvent]
) -> None:
    try:
        answers = await svc.sri.authorizations(invoice.access_key)
    except SriNoAnswer as error:
        log.warning("sri_authorization_unanswered", invoice_id=invoice.invoice_id, error=str(error))
        invoice.unanswered(now(), svc.policy)
        await _save(svc, invoice, written)
        return
    authorized = invoice.authorizations_answered(
        [_authorization(a) for a in answers], now(), svc.policy
    )
    if authorized is not None:
        # The fiscal record first: an authorized invoice always has its XML.
        await svc.invoices.save_authorized(invoice.invoice_id, authorized.record)
    await _save(svc, invoice, written)


# -- bookkeeping -----------------------------------------------------------------------------


async def _save(svc: Submitting, invoice: IssuedInvoice, written: list[InvoiceEvent]) -> bool:
    events = list(invoice.events)
    if not await svc.invoices.save(invoice):
        return False  # someone moved it first: their step stands
    written += events
    return True


def _messages(messages: Sequence[SriMessage]) -> tuple[Message, ...]:
    return tuple(Message(m.identifier, m.message, m.additional_info, m.kind) for m in messages)


def _authorization(answer: SriAuthorization) -> AuthorizationAnswer:
    return AuthorizationAnswer(
        status=answer.status,
        messages=_messages(answer.messages),
        number=answer.number,
        authorized_at=answer.authorized_at,
        environment=answer.environment,
        record=answer.xml,
    )
