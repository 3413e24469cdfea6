"""Deliveries: one record per (event, channel), sent once, retried from the record.

Flow for a link email (activation, password reset):
1. insert the delivery, already claimed by this consumer (a replay hits the unique index and
   finds the existing one: nothing is sent again);
2. try to send once: success → ``sent`` + NotificationDelivered; a transient failure →
   ``retrying`` with ``next_attempt_at`` and the offset is committed (the delivery record is
   the durable retry state); a permanent failure → ``failed`` + NotificationFailed, and
   :class:`Undeliverable` so that the source message goes to ``<topic>.dlq``;
3. the retry loop sends due ``retrying`` deliveries (and ``pending`` ones whose consumer died
   mid-send) after claiming them, until sent or out of attempts;
4. a delivery with ``expires_at`` (an SMS code) is not sent from then on: it fails as expired
   (NotificationFailed, no dead letter: nothing is wrong with the event, it is just too late).

The lifecycle knows no channel: ``SENDERS`` says how each channel sends (emails.py, sms.py).
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

from common import context
from common.logging import get_logger, mask
from notifier.domain.deliveries import Delivery, DeliveryStatus, FailureReason
from notifier.domain.errors import DeliveryError, TransientDeliveryError, Undeliverable
from notifier.domain.messages import LinkRequest
from notifier.ports import NotifierPorts, StoreUnavailable
from notifier.use_cases import emails, sms

log = get_logger(__name__)

NOTIFICATIONS = Counter(
    "notifications_total",
    "Notification attempts by channel, template and outcome (sent, retrying, failed, duplicate).",
    ["channel", "template", "outcome"],
)

# How each channel sends one delivery: the provider's message id, or a DeliveryError.
Send = Callable[[NotifierPorts, Delivery], Awaitable[str]]
SENDERS: dict[str, Send] = {emails.EMAIL: emails.send_email, sms.SMS: sms.send_sms}


async def email_link(svc: NotifierPorts, request: LinkRequest) -> None:
    """Email a single-use link (activation, password reset) once per source event."""
    await deliver(svc, emails.link_delivery(request, svc.clock()))


async def deliver(svc: NotifierPorts, delivery: Delivery) -> None:
    """Create the delivery claimed by this caller and try it once; :class:`Undeliverable` if it
    failed for good. A delivery that already exists for its (event, channel) is left alone."""
    claim_id = await svc.deliveries.create_claimed(delivery, svc.clock(), svc.lease)
    if claim_id is None:
        existing = await svc.deliveries.by_source(delivery.source_event_id, delivery.channel)
        NOTIFICATIONS.labels(delivery.channel, delivery.template, "duplicate").inc()
        # sent/failed: done; pending/retrying: the retry loop owns it. Never send twice here.
        log.info(
            "delivery_exists",
            delivery_id=existing.delivery_id if existing else None,
            status=existing.status.value if existing else None,
        )
        return
    await attempt(svc, delivery, claim_id)
    if (
        delivery.status is DeliveryStatus.FAILED
        and delivery.failure_reason != FailureReason.EXPIRED
    ):
        raise Undeliverable(
            f"{delivery.channel} delivery {delivery.delivery_id} failed: "
            f"{mask(delivery.last_error or '')}"
        )


async def attempt(svc: NotifierPorts, delivery: Delivery, claim_id: str) -> None:
    """Send a claimed delivery once and record the outcome (with its event) in one update;
    one that expired is failed without sending."""
    try:
        if delivery.expired(svc.clock()):
            delivery.expire(svc.clock())
        else:
            message_id = await SENDERS[delivery.channel](svc, delivery)
            delivery.mark_sent(message_id, svc.clock())
    except DeliveryError as error:
        delivery.attempt_failed(error, svc.clock(), svc.policy, svc.jitter())
    except Exception as exc:
        # A bug rather than the provider: bounded retries, then failed (and visible).
        log.exception("delivery_attempt_crashed", delivery_id=delivery.delivery_id)
        unexpected = TransientDeliveryError(f"unexpected {type(exc).__name__}: {exc}")
        delivery.attempt_failed(unexpected, svc.clock(), svc.policy, svc.jitter())
    if not await record(svc, delivery, claim_id):
        log.warning("delivery_claim_lost", delivery_id=delivery.delivery_id)
        return
    NOTIFICATIONS.labels(delivery.channel, delivery.template, delivery.status.value).inc()
    _log_outcome(delivery)


def _log_outcome(delivery: Delivery) -> None:
    log_event = {
        DeliveryStatus.SENT: log.info,
        DeliveryStatus.RETRYING: log.warning,
        DeliveryStatus.FAILED: log.error,
    }.get(delivery.status, log.info)
    log_event(
        f"{delivery.channel}_{delivery.status.value}",
        delivery_id=delivery.delivery_id,
        template=delivery.template,
        recipient=delivery.recipient_masked,
        attempts=delivery.attempts,
        provider_message_id=delivery.provider_message_id,
        next_attempt_at=delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None,
        error=mask(delivery.last_error) if delivery.last_error else None,
    )


async def record(svc: NotifierPorts, delivery: Delivery, claim_id: str, tries: int = 5) -> bool:
    """The email may already be out: try hard to record it, or the lease expiry resends it."""
    for n in range(tries):
        try:
            return await svc.deliveries.record(delivery, claim_id, svc.clock())
        except StoreUnavailable:
            if n == tries - 1:
                raise
            log.warning("delivery_record_retry", delivery_id=delivery.delivery_id, attempt=n + 1)
            await asyncio.sleep(0.2 * 2**n)
    return False


async def retry_due(svc: NotifierPorts) -> None:
    """Background loop: send the deliveries whose next attempt is due."""
    settings = svc.settings
    while True:
        batch = asyncio.ensure_future(retry_once(svc))
        try:
            handled = await asyncio.shield(batch)
        except asyncio.CancelledError:
            # Shutting down: let the sends in flight finish and be recorded (graceful).
            with contextlib.suppress(Exception):
                await asyncio.wait_for(batch, timeout=settings.smtp_timeout_seconds * 2)
            raise
        except Exception:
            log.exception("retry_loop_error")
            handled = 0
        if handled < settings.retry_batch_size:
            await asyncio.sleep(settings.retry_poll_seconds)


async def retry_once(svc: NotifierPorts) -> int:
    """One pass: claim and send every due delivery (a few at a time). How many were due."""
    due = await svc.deliveries.due(svc.clock(), svc.settings.retry_batch_size)
    gate = asyncio.Semaphore(svc.settings.retry_concurrency)

    async def one(delivery_id: str) -> None:
        async with gate:
            claimed = await svc.deliveries.claim(delivery_id, svc.clock(), svc.lease)
            if claimed is None:
                return  # someone else holds it, or it was finished meanwhile
            delivery, claim_id = claimed
            context.bind(delivery.correlation_id, delivery.source_event_id)
            await attempt(svc, delivery, claim_id)

    results = await asyncio.gather(*(one(d) for d in due), return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            log.error("retry_failed", error=str(result))
    return len(due)
