"""Event consumers and the retry loop: one delivery record per (event, channel), sent once.

Flow for a link email (activation, password reset):
1. insert the delivery, already claimed by this consumer (a replay hits the unique index and
   finds the existing one: nothing is sent again);
2. try to send once: success → ``sent`` + NotificationDelivered; a transient failure →
   ``retrying`` with ``next_attempt_at`` and the offset is committed (the delivery record is
   the durable retry state); a permanent failure → ``failed`` + NotificationFailed, and the source
   message goes to ``<topic>.dlq`` (PermanentError);
3. the retry loop sends due ``retrying`` deliveries (and ``pending`` ones whose consumer died
   mid-send) after claiming them, until sent or out of attempts.
"""

import asyncio
import contextlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from prometheus_client import Counter
from pymongo.errors import PyMongoError

from common import context
from common.contracts import ActivationRequested, PasswordResetRequested, UserRegistered
from common.logging import get_logger, mask
from common.messaging import PermanentError, subscribe
from common.service import Runtime
from notifier.domain.backoff import RetryPolicy
from notifier.domain.deliveries import Delivery, DeliveryStatus
from notifier.domain.errors import DeliveryError, TransientDeliveryError
from notifier.domain.messages import LinkMail, Template, template_for
from notifier.emails import EmailRenderer
from notifier.mailer import Mailer
from notifier.settings import NotifierSettings
from notifier.store import DELIVERIES, DeliveryStore, RecipientStore

log = get_logger(__name__)

GROUP = "notifier"
EMAIL: Literal["email"] = "email"

NOTIFICATIONS = Counter(
    "notifications_total",
    "Notification attempts by channel, template and outcome (sent, retrying, failed, duplicate).",
    ["channel", "template", "outcome"],
)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Notifier:
    """Everything the consumers and the retry loop need, built once (see app.py)."""

    runtime: Runtime
    settings: NotifierSettings
    recipients: RecipientStore
    deliveries: DeliveryStore
    renderer: EmailRenderer
    mailer: Mailer

    @property
    def policy(self) -> RetryPolicy:
        return self.settings.retry_policy()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.claim_seconds)


def register_handlers(ctx: Notifier) -> None:
    broker, database, settings = ctx.runtime.broker, ctx.runtime.database, ctx.settings

    @subscribe(broker, UserRegistered, group=GROUP, database=database, settings=settings)
    async def remember_recipient(event: UserRegistered) -> None:
        """Keep the user's address, names and preferences (an upsert: replays are harmless)."""
        await ctx.recipients.upsert(event.data, now())
        log.info("recipient_saved", user_id=event.data.user_id)

    @subscribe(broker, ActivationRequested, group=GROUP, database=database, settings=settings)
    async def email_activation(event: ActivationRequested) -> None:
        """Email the activation link: the welcome email at sign-up, a shorter one on resend."""
        await email_link(ctx, event)

    @subscribe(broker, PasswordResetRequested, group=GROUP, database=database, settings=settings)
    async def email_password_reset(event: PasswordResetRequested) -> None:
        """Email the password-reset link."""
        await email_link(ctx, event)


async def email_link(ctx: Notifier, event: ActivationRequested | PasswordResetRequested) -> None:
    template = template_for(event.event_type, event.data.reason)
    mail = LinkMail.from_event(event.data, event.occurred_at)
    delivery = Delivery.create(
        delivery_id=uuid.uuid4().hex,
        source_event_id=str(event.event_id),
        source_event_type=event.event_type,
        channel=EMAIL,
        template=template.value,
        recipient=event.data.email,
        user_id=event.data.user_id,
        payload=mail.to_payload(),
        now=now(),
        correlation_id=event.correlation_id,
    )
    claim_id = await ctx.deliveries.create_claimed(delivery, now(), ctx.lease)
    if claim_id is None:
        existing = await ctx.deliveries.by_source(str(event.event_id), EMAIL)
        NOTIFICATIONS.labels(EMAIL, template.value, "duplicate").inc()
        # sent/failed: done; pending/retrying: the retry loop owns it. Never send twice here.
        log.info(
            "delivery_exists",
            delivery_id=existing.delivery_id if existing else None,
            status=existing.status.value if existing else None,
        )
        return
    await attempt(ctx, delivery, claim_id)
    if delivery.status is DeliveryStatus.FAILED:
        raise PermanentError(
            f"email delivery {delivery.delivery_id} failed: {mask(delivery.last_error or '')}"
        )


async def attempt(ctx: Notifier, delivery: Delivery, claim_id: str) -> None:
    """Send a claimed delivery once and record the outcome (with its event) in one update."""
    try:
        mail = LinkMail.from_payload(delivery.payload or {})
        rendered = ctx.renderer.render(Template(delivery.template), mail)
        message_id = ctx.mailer.message_id(delivery.delivery_id)
        message = ctx.mailer.build(rendered, delivery.recipient, message_id, now())
        await ctx.mailer.send(message)
        delivery.mark_sent(message_id, now())
    except DeliveryError as error:
        delivery.attempt_failed(error, now(), ctx.policy, random.random())
    except Exception as exc:
        # A bug rather than the provider: bounded retries, then failed (and visible).
        log.exception("delivery_attempt_crashed", delivery_id=delivery.delivery_id)
        unexpected = TransientDeliveryError(f"unexpected {type(exc).__name__}: {exc}")
        delivery.attempt_failed(unexpected, now(), ctx.policy, random.random())
    if not await _record(ctx, delivery, claim_id):
        log.warning("delivery_claim_lost", delivery_id=delivery.delivery_id)
        return
    ctx.runtime.events_written(DELIVERIES, delivery.delivery_id)
    NOTIFICATIONS.labels(delivery.channel, delivery.template, delivery.status.value).inc()
    log_event = {
        DeliveryStatus.SENT: log.info,
        DeliveryStatus.RETRYING: log.warning,
        DeliveryStatus.FAILED: log.error,
    }.get(delivery.status, log.info)
    log_event(
        f"email_{delivery.status.value}",
        delivery_id=delivery.delivery_id,
        template=delivery.template,
        recipient=delivery.recipient_masked,
        attempts=delivery.attempts,
        provider_message_id=delivery.provider_message_id,
        next_attempt_at=delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None,
        error=mask(delivery.last_error) if delivery.last_error else None,
    )


async def _record(ctx: Notifier, delivery: Delivery, claim_id: str, tries: int = 5) -> bool:
    """The email may already be out: try hard to record it, or the lease expiry resends it."""
    for n in range(tries):
        try:
            return await ctx.deliveries.record(delivery, claim_id, now())
        except PyMongoError:
            if n == tries - 1:
                raise
            log.warning("delivery_record_retry", delivery_id=delivery.delivery_id, attempt=n + 1)
            await asyncio.sleep(0.2 * 2**n)
    return False


async def retry_due(ctx: Notifier) -> None:
    """Background loop: send the deliveries whose next attempt is due."""
    settings = ctx.settings
    while True:
        batch = asyncio.ensure_future(retry_once(ctx))
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


async def retry_once(ctx: Notifier) -> int:
    """One pass: claim and send every due delivery (a few at a time). How many were due."""
    due = await ctx.deliveries.due(now(), ctx.settings.retry_batch_size)
    gate = asyncio.Semaphore(ctx.settings.retry_concurrency)

    async def one(delivery_id: str) -> None:
        async with gate:
            claimed = await ctx.deliveries.claim(delivery_id, now(), ctx.lease)
            if claimed is None:
                return  # someone else holds it, or it was finished meanwhile
            delivery, claim_id = claimed
            context.bind(delivery.correlation_id, delivery.source_event_id)
            await attempt(ctx, delivery, claim_id)

    results = await asyncio.gather(*(one(d) for d in due), return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            log.error("retry_failed", error=str(result))
    return len(due)
