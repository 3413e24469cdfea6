"""The invoice email: remember what billing's InvoiceIssued and rendering's RideRendered say,
in whichever order they come, and email the invoice once both are in.

Each consumer upserts its half and then looks at the whole: the one that completes it creates
the delivery (one per invoice: a replay, or both consumers at once, find the existing one).
InvoiceIssued's half includes the authorized XML, which the event names and billing serves:
fetched before the half is kept, so an email never waits on billing.
No event waits or retries for the other. An invoice authorized before the cut-off
(:func:`email_since`) or without an address is remembered, with the reason, and not emailed.
"""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

from prometheus_client import Gauge

from common.logging import get_logger
from notifier.domain.invoices import NO_EMAIL, IssuedInvoice, RenderedRide, not_emailed_reason
from notifier.ports import NotifierPorts
from notifier.use_cases import deliveries, emails

log = get_logger(__name__)

NOT_EMAILED = Gauge(
    "invoices_not_emailed",
    "Authorized invoices to be emailed (a billing email, after the cut-off) that have not been "
    "emailed yet (last scan).",
)
OLDEST_NOT_EMAILED = Gauge(
    "invoices_not_emailed_oldest_age_seconds",
    "Seconds since the oldest invoice not emailed yet was authorized (0: none).",
)


async def record_first_start(svc: NotifierPorts) -> None:
    """Start-up step: note when notifier first started on this database (once, kept across
    restarts), the invoice email's cut-off unless INVOICE_EMAIL_SINCE says otherwise."""
    since = await email_since(svc)
    configured = svc.settings.invoice_email_since is not None
    log.info("invoice_email_since", since=since.isoformat(), configured=configured)


async def email_since(svc: NotifierPorts) -> datetime:
    """Invoices authorized before this are not emailed: INVOICE_EMAIL_SINCE, or the first start.
    The first start is recorded whichever applies, so dropping the setting later falls back to
    the true first start, not to that day."""
    first_start = await svc.first_start.get_or_record(svc.clock())
    return svc.settings.invoice_email_since or first_start


async def remember_issued(
    svc: NotifierPorts, invoice: IssuedInvoice, now: datetime, correlation_id: str | None
) -> None:
    """Keep InvoiceIssued's half; for an invoice to be emailed, with its authorized XML, fetched
    from billing first (billing down: raised, and the event is read again later)."""
    reason = not_emailed_reason(invoice, await email_since(svc))
    if reason is None:
        invoice = await with_authorized_xml(svc, invoice)
    await svc.invoice_mails.remember_issued(invoice, now, reason)
    if reason is not None:
        level = log.warning if reason == NO_EMAIL else log.info
        level("invoice_not_emailed", invoice_id=invoice.invoice_id, reason=reason)
        return
    await email_when_complete(svc, invoice.invoice_id, correlation_id)


async def with_authorized_xml(svc: NotifierPorts, invoice: IssuedInvoice) -> IssuedInvoice:
    """``invoice`` with the XML the event names (billing checks nothing for us: the client
    checks the digest and size)."""
    xml = await svc.documents.authorized_xml(
        invoice.access_key, invoice.authorized_xml_sha256, invoice.authorized_xml_size
    )
    return replace(invoice, authorized_xml=xml.decode("utf-8"))


async def remember_ride(
    svc: NotifierPorts, ride: RenderedRide, now: datetime, correlation_id: str | None
) -> None:
    await svc.invoice_mails.remember_ride(ride, now)
    await email_when_complete(svc, ride.invoice_id, correlation_id)


async def email_when_complete(
    svc: NotifierPorts, invoice_id: str, correlation_id: str | None
) -> None:
    """Create (and try once) the invoice's delivery if both events are in."""
    mail = await svc.invoice_mails.get(invoice_id)
    if mail is not None and mail.not_emailed_reason is not None:
        return  # remembered, not to be emailed (logged when InvoiceIssued came)
    if mail is None or not mail.ready:
        log.info("invoice_mail_waiting", invoice_id=invoice_id)
        return
    if mail.emailed_at is not None:
        return
    await deliveries.deliver(svc, emails.invoice_delivery(mail, svc.clock(), correlation_id))


async def measure(svc: NotifierPorts) -> tuple[int, float]:
    """Update the gauges: how many invoices are not emailed, the oldest one's age (seconds)."""
    authorized = await svc.invoice_mails.not_emailed()
    now = svc.clock()
    oldest = max((now - at for at in authorized), default=timedelta())
    NOT_EMAILED.set(len(authorized))
    OLDEST_NOT_EMAILED.set(max(0.0, oldest.total_seconds()))
    return len(authorized), oldest.total_seconds()


async def watch_not_emailed(svc: NotifierPorts) -> None:
    """Background loop: keep the gauges current (the alert on invoices not emailed in 24 h)."""
    while True:
        try:
            await measure(svc)
        except Exception:
            log.exception("invoice_scan_error")
        await asyncio.sleep(svc.settings.invoice_scan_seconds)
