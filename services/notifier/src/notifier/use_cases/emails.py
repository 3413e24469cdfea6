"""The email channel: which delivery a request becomes, and how one email is sent.

The SMS channel is a module like this one (sms.py: its delivery, its send) with a line in
``deliveries.SENDERS``; the delivery lifecycle is the same. Within email, ``RENDERERS`` says
how each template is rendered (with its attachments) from what the delivery keeps.
"""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

from common.logging import get_logger
from notifier.domain.deliveries import Delivery
from notifier.domain.errors import PermanentDeliveryError, TransientDeliveryError
from notifier.domain.invoices import InvoiceMail, pdf_name, xml_name
from notifier.domain.lines import LineTransfer, LineTransferred
from notifier.domain.messages import (
    Attachment,
    LinkMail,
    LinkRequest,
    RenderedEmail,
    Template,
    template_for,
)
from notifier.domain.notes import NoteMail, note_pdf_name, note_xml_name
from notifier.ports import NotifierPorts, RideUnavailable

log = get_logger(__name__)

EMAIL: Literal["email"] = "email"
INVOICE_SOURCE = "rendering.ride_rendered"


def link_delivery(request: LinkRequest, now: datetime) -> Delivery:
    """The delivery of a single-use-link email; its payload is enough to render it again."""
    template = template_for(request.event_type, request.mail.reason)
    return Delivery.create(
        delivery_id=uuid.uuid4().hex,
        source_event_id=request.event_id,
        source_event_type=request.event_type,
        channel=EMAIL,
        template=template.value,
        recipient=request.mail.email,
        user_id=request.user_id,
        payload=request.mail.to_payload(),
        now=now,
        correlation_id=request.correlation_id,
    )


def invoice_delivery(mail: InvoiceMail, now: datetime, correlation_id: str | None) -> Delivery:
    """The delivery of an invoice email: one per invoice (its id is the delivery's source), so
    replays of either event, or a second RideRendered, find it. The payload only names the
    invoice: the XML is in ``invoice_mails`` and the PDF is fetched again on every attempt."""
    assert mail.issued is not None and mail.issued.email
    return Delivery.create(
        delivery_id=uuid.uuid4().hex,
        source_event_id=mail.invoice_id,
        source_event_type=INVOICE_SOURCE,
        channel=EMAIL,
        template=Template.INVOICE.value,
        recipient=mail.issued.email,
        user_id=None,
        payload={"invoice_id": mail.invoice_id},
        now=now,
        correlation_id=correlation_id,
    )


def note_delivery(mail: NoteMail, now: datetime, correlation_id: str | None) -> Delivery:
    """The delivery of a credit or debit note's email: one per note (its id is the source), as
    an invoice's; the payload names the note, its XML is in ``note_mails``."""
    assert mail.issued is not None and mail.issued.email
    return Delivery.create(
        delivery_id=uuid.uuid4().hex,
        source_event_id=mail.note_id,
        source_event_type=INVOICE_SOURCE,
        channel=EMAIL,
        template=mail.issued.template,
        recipient=mail.issued.email,
        user_id=None,
        payload={"note_id": mail.note_id},
        now=now,
        correlation_id=correlation_id,
    )


def line_transferred_delivery(
    notice: LineTransferred, transfer: LineTransfer, now: datetime
) -> Delivery:
    """The delivery of the "your line went to another account" email, one per LineRemoved."""
    return Delivery.create(
        delivery_id=uuid.uuid4().hex,
        source_event_id=notice.event_id,
        source_event_type=notice.event_type,
        channel=EMAIL,
        template=Template.LINE_TRANSFERRED.value,
        recipient=transfer.email,
        user_id=notice.user_id,
        payload=transfer.to_payload(),
        now=now,
        correlation_id=notice.correlation_id,
    )


async def send_email(svc: NotifierPorts, delivery: Delivery) -> str:
    """Render and send one email: its Message-ID, or a DeliveryError."""
    render = RENDERERS.get(delivery.template, _render_link)
    rendered = await render(svc, delivery)
    message_id = svc.mailer.message_id(delivery.delivery_id)
    message = svc.mailer.build(rendered, delivery.recipient, message_id, svc.clock())
    await svc.mailer.send(message)
    if delivery.template == Template.INVOICE:
        await _mark_emailed(svc, delivery)
    elif delivery.template in NOTE_TEMPLATES:
        await _mark_note_emailed(svc, delivery)
    return message_id


async def _render_link(svc: NotifierPorts, delivery: Delivery) -> RenderedEmail:
    mail = LinkMail.from_payload(delivery.payload or {})
    return svc.renderer.render(Template(delivery.template), mail)


async def _render_invoice(svc: NotifierPorts, delivery: Delivery) -> RenderedEmail:
    """The invoice email with both attachments, rebuilt from stored data on every attempt."""
    invoice_id = str((delivery.payload or {}).get("invoice_id", ""))
    mail = await svc.invoice_mails.get(invoice_id)
    if mail is None or mail.issued is None or mail.ride is None:
        raise PermanentDeliveryError(f"invoice {invoice_id} is not known")
    pdf = await _fetch_ride(svc, mail.ride.access_key, mail.ride.sha256)
    xml = mail.issued.authorized_xml
    if xml is None:  # kept only for invoices not to be emailed (invoices.remember_issued)
        raise PermanentDeliveryError(f"invoice {invoice_id} has no authorized XML")
    rendered = svc.renderer.render_invoice(mail.issued)
    attachments = (
        Attachment(pdf_name(mail.issued), "application/pdf", pdf),
        Attachment(xml_name(mail.issued), "application/xml", xml.encode("utf-8")),
    )
    return RenderedEmail(rendered.subject, rendered.html, rendered.text, attachments)


async def _fetch_ride(svc: NotifierPorts, access_key: str, sha256: str) -> bytes:
    try:
        pdf = await svc.rides.fetch(access_key)
    except RideUnavailable as exc:
        raise TransientDeliveryError(f"RIDE not available: {exc}") from None
    if hashlib.sha256(pdf).hexdigest() != sha256:
        raise TransientDeliveryError("RIDE fetched does not match its sha256")
    return pdf


async def _render_note(svc: NotifierPorts, delivery: Delivery) -> RenderedEmail:
    """A credit or debit note's email with both attachments, rebuilt on every attempt."""
    note_id = str((delivery.payload or {}).get("note_id", ""))
    mail = await svc.note_mails.get(note_id)
    if mail is None or mail.issued is None or mail.ride is None:
        raise PermanentDeliveryError(f"note {note_id} is not known")
    pdf = await _fetch_ride(svc, mail.ride.access_key, mail.ride.sha256)
    xml = mail.issued.authorized_xml
    if xml is None:  # kept only for notes not to be emailed (notes.remember_issued)
        raise PermanentDeliveryError(f"note {note_id} has no authorized XML")
    rendered = svc.renderer.render_note(mail.issued)
    attachments = (
        Attachment(note_pdf_name(mail.issued), "application/pdf", pdf),
        Attachment(note_xml_name(mail.issued), "application/xml", xml.encode("utf-8")),
    )
    return RenderedEmail(rendered.subject, rendered.html, rendered.text, attachments)


async def _render_line_transferred(svc: NotifierPorts, delivery: Delivery) -> RenderedEmail:
    return svc.renderer.render_line_transferred(LineTransfer.from_payload(delivery.payload or {}))


async def _mark_emailed(svc: NotifierPorts, delivery: Delivery) -> None:
    """Only the metric depends on it: a failure here must not make the email go out again."""
    invoice_id = str((delivery.payload or {}).get("invoice_id", ""))
    try:
        await svc.invoice_mails.mark_emailed(invoice_id, svc.clock())
    except Exception as exc:
        log.warning("invoice_mark_emailed_failed", invoice_id=invoice_id, error=str(exc))


async def _mark_note_emailed(svc: NotifierPorts, delivery: Delivery) -> None:
    note_id = str((delivery.payload or {}).get("note_id", ""))
    try:
        await svc.note_mails.mark_emailed(note_id, svc.clock())
    except Exception as exc:
        log.warning("note_mark_emailed_failed", note_id=note_id, error=str(exc))


NOTE_TEMPLATES = (Template.CREDIT_NOTE.value, Template.DEBIT_NOTE.value)
RENDERERS: dict[str, Callable[[NotifierPorts, Delivery], Awaitable[RenderedEmail]]] = {
    Template.INVOICE.value: _render_invoice,
    Template.CREDIT_NOTE.value: _render_note,
    Template.DEBIT_NOTE.value: _render_note,
    Template.LINE_TRANSFERRED.value: _render_line_transferred,
}
