"""The Delivery aggregate: one per (source event, channel); its states and the events they raise.

    pending ──send ok──────────────► sent
       │  └──5xx / unusable─────────► failed
       └──4xx / down──► retrying ──► sent | failed (5xx, or too many attempts)
                           ▲   │
                           └───┘ (again, later)

A delivery with ``expires_at`` (an SMS code) is never sent from that instant on: it fails with
``failure_reason`` "expired" instead, and no retry is scheduled at or past it.

``payload`` holds what is needed to render the message again (it includes the single-use link
or the SMS code, secrets): it is kept only while the delivery can be sent, dropped once final.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from common.logging import mask
from notifier.domain.backoff import RetryPolicy
from notifier.domain.errors import DeliveryError
from notifier.domain.events import Channel, DomainEvent, NotificationDelivered, NotificationFailed


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class FailureReason(StrEnum):
    REFUSED = "refused"  # the provider refused it for good, or it cannot be built
    GAVE_UP = "gave_up"  # transient failures until the attempts ran out
    EXPIRED = "expired"  # not sent before ``expires_at``


class InvalidTransition(Exception):
    """A final delivery (sent or failed) does not change any more."""


@dataclass
class Delivery:
    delivery_id: str
    source_event_id: str
    source_event_type: str
    channel: Channel
    template: str
    recipient: str
    user_id: str | None
    created_at: datetime
    updated_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    provider_message_id: str | None = None
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    correlation_id: str | None = None
    payload: dict[str, Any] | None = None
    # Sending after this is pointless (an SMS code that expired).
    expires_at: datetime | None = None
    failure_reason: FailureReason | None = None
    # The SMSC's delivery receipt (SMS): stat (DELIVRD, UNDELIV, ...), err, when it came.
    dlr_status: str | None = None
    dlr_error: str | None = None
    dlr_at: datetime | None = None
    # Raised by the transitions (domain events), written to the delivery's outbox with the new
    # state (the store maps them onto the wire events).
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        delivery_id: str,
        source_event_id: str,
        source_event_type: str,
        channel: Channel,
        template: str,
        recipient: str,
        user_id: str | None,
        payload: dict[str, Any],
        now: datetime,
        correlation_id: str | None,
        expires_at: datetime | None = None,
    ) -> "Delivery":
        return cls(
            delivery_id=delivery_id,
            source_event_id=source_event_id,
            source_event_type=source_event_type,
            channel=channel,
            template=template,
            recipient=recipient,
            user_id=user_id,
            created_at=now,
            updated_at=now,
            next_attempt_at=now,
            correlation_id=correlation_id,
            payload=payload,
            expires_at=expires_at,
        )

    @property
    def is_final(self) -> bool:
        return self.status not in OPEN_STATUSES

    @property
    def recipient_masked(self) -> str:
        return str(mask(self.recipient))

    def mark_sent(self, provider_message_id: str, now: datetime) -> None:
        self._must_be_open()
        self.attempts += 1
        self.status = DeliveryStatus.SENT
        self.provider_message_id = provider_message_id
        self.sent_at = self.updated_at = now
        self.next_attempt_at = None
        self.last_error = None
        self.payload = None
        self.events.append(NotificationDelivered(**self._facts(now)))

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def attempt_failed(
        self, error: DeliveryError, now: datetime, policy: RetryPolicy, rand: float
    ) -> None:
        """Record a failed attempt: retry later if it may help (and before expiry), else fail."""
        self._must_be_open()
        self.attempts += 1
        self.last_error = error.describe()[:500]
        self.updated_at = now
        if error.transient and not policy.gives_up_after(self.attempts):
            next_attempt = now + policy.delay(self.attempts, rand)
            if self.expired(next_attempt):
                self._fail(now, FailureReason.EXPIRED, f"expired after {self.attempts} attempts")
                return
            self.status = DeliveryStatus.RETRYING
            self.next_attempt_at = next_attempt
            return
        if error.transient:
            self._fail(now, FailureReason.GAVE_UP, f"gave up after {self.attempts} attempts")
            return
        self._fail(now, FailureReason.REFUSED, None)

    def expire(self, now: datetime) -> None:
        """Too late to send (``now >= expires_at``): failed without trying."""
        self._must_be_open()
        self.updated_at = now
        self._fail(now, FailureReason.EXPIRED, "expired before it could be sent")

    def _fail(self, now: datetime, reason: FailureReason, prefix: str | None) -> None:
        if prefix:
            error = f"{prefix}: {self.last_error}" if self.last_error else prefix
            self.last_error = error[:500]
        self.status = DeliveryStatus.FAILED
        self.failure_reason = reason
        self.failed_at = now
        self.next_attempt_at = None
        self.payload = None
        self.events.append(
            NotificationFailed(**self._facts(now), error=mask(self.last_error or reason.value))
        )

    def _must_be_open(self) -> None:
        if self.is_final:
            raise InvalidTransition(f"delivery {self.delivery_id} is already {self.status}")

    def _facts(self, now: datetime) -> dict[str, Any]:
        """The fields of :class:`DeliveryOutcome`, as they stand after this transition."""
        return {
            "delivery_id": self.delivery_id,
            "channel": self.channel,
            "template": self.template,
            "source_event_id": self.source_event_id,
            "source_event_type": self.source_event_type,
            "recipient_masked": self.recipient_masked,
            "attempts": self.attempts,
            "provider_message_id": self.provider_message_id,
            "occurred_at": now,
        }
