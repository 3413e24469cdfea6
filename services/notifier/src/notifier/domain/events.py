"""What happened to a delivery, said by the domain. notifier/events.py maps these onto the wire
events (common.contracts.notifier) when the store writes them to the delivery's outbox."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Channel = Literal["email", "sms"]


@dataclass(frozen=True)
class DeliveryOutcome:
    """The facts every delivery event carries. Never the address itself, never the payload."""

    delivery_id: str
    channel: Channel
    template: str
    source_event_id: str
    source_event_type: str
    recipient_masked: str
    attempts: int
    provider_message_id: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class NotificationDelivered(DeliveryOutcome):
    """The provider (SMTP server, SMSC) accepted the message."""


@dataclass(frozen=True)
class NotificationFailed(DeliveryOutcome):
    """The message could not be delivered and will not be retried."""

    error: str  # masked: the provider's reply may quote the address


DomainEvent = NotificationDelivered | NotificationFailed
