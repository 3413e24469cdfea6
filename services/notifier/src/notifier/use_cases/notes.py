"""The email of a nota de crédito or de débito: remember what billing's CreditNoteIssued /
DebitNoteIssued and rendering's RideRendered (doc_type 04, 05) say, in whichever order they come,
and email the note once both are in — exactly as ``invoices`` does for an invoice: the authorized
XML fetched from billing before the half is kept, one delivery per note, the same cut-off and
the same "no address" rule."""

from dataclasses import replace
from datetime import datetime

from common.logging import get_logger
from notifier.domain.invoices import NO_EMAIL, RenderedRide
from notifier.domain.notes import IssuedNote, note_not_emailed_reason
from notifier.ports import NotifierPorts
from notifier.use_cases import deliveries, emails
from notifier.use_cases.invoices import email_since

log = get_logger(__name__)


async def remember_issued(
    svc: NotifierPorts, note: IssuedNote, now: datetime, correlation_id: str | None
) -> None:
    """Keep the note event's half; for a note to be emailed, with its authorized XML fetched
    from billing first (billing down: raised, and the event is read again later)."""
    reason = note_not_emailed_reason(note, await email_since(svc))
    if reason is None:
        xml = await svc.documents.authorized_xml(
            note.access_key, note.authorized_xml_sha256, note.authorized_xml_size
        )
        note = replace(note, authorized_xml=xml.decode("utf-8"))
    await svc.note_mails.remember_issued(note, now, reason)
    if reason is not None:
        level = log.warning if reason == NO_EMAIL else log.info
        level("note_not_emailed", note_id=note.note_id, reason=reason)
        return
    await email_when_complete(svc, note.note_id, correlation_id)


async def remember_ride(
    svc: NotifierPorts, ride: RenderedRide, now: datetime, correlation_id: str | None
) -> None:
    """A note's RideRendered (its id in ``ride.invoice_id``)."""
    await svc.note_mails.remember_ride(ride, now)
    await email_when_complete(svc, ride.invoice_id, correlation_id)


async def email_when_complete(svc: NotifierPorts, note_id: str, correlation_id: str | None) -> None:
    """Create (and try once) the note's delivery if both events are in."""
    mail = await svc.note_mails.get(note_id)
    if mail is not None and mail.not_emailed_reason is not None:
        return  # remembered, not to be emailed (logged when the note's event came)
    if mail is None or not mail.ready:
        log.info("note_mail_waiting", note_id=note_id)
        return
    if mail.emailed_at is not None:
        return
    await deliveries.deliver(svc, emails.note_delivery(mail, svc.clock(), correlation_id))
