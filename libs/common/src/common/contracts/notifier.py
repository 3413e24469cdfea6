"""Events published by notifier."""

from typing import ClassVar, Literal

from pydantic import BaseModel

from common.contracts.base import Event


class DeliveryData(BaseModel):
    delivery_id: str
    channel: Literal["email", "sms"]
    template: str
    source_event_id: str
    source_event_type: str
    recipient_masked: str
    attempts: int
    provider_message_id: str | None = None
    error: str | None = None


class NotificationDelivered(Event):
    """A message was accepted by the provider (SMTP server, SMSC)."""

    source: ClassVar[str] = "notifier"
    topic: ClassVar[str] = "notifier.notification-delivered"
    event_type: Literal["notifier.notification_delivered"] = "notifier.notification_delivered"
    data: DeliveryData

    def key(self) -> str:
        return self.data.delivery_id


class NotificationFailed(Event):
    """A message could not be delivered and will not be retried."""

    source: ClassVar[str] = "notifier"
    topic: ClassVar[str] = "notifier.notification-failed"
    event_type: Literal["notifier.notification_failed"] = "notifier.notification_failed"
    data: DeliveryData

    def key(self) -> str:
        return self.data.delivery_id
