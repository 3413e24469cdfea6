"""Events published by notifier."""

from typing import Literal

from pydantic import BaseModel

from common.contracts.base import Event


class NotifierEvent(Event, source="notifier"):
    """Published by notifier."""


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


class NotificationDelivered(NotifierEvent, key="delivery_id"):
    """A message was accepted by the provider (SMTP server, SMSC)."""

    data: DeliveryData


class NotificationFailed(NotifierEvent, key="delivery_id"):
    """A message could not be delivered and will not be retried."""

    data: DeliveryData
