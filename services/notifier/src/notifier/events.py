"""Domain events -> wire events (common.contracts.notifier): the one mapping.

The store calls :func:`to_wire` when it writes a delivery's events to its outbox. Envelope ids
(correlation, causation) come from the unit of work in progress, as for every event: the
consumed event, or the delivery the retry loop is sending (it binds them).
"""

from common.contracts import notifier as wire
from common.contracts.base import Event
from notifier.domain.events import DomainEvent, NotificationFailed


def to_wire(event: DomainEvent) -> Event:
    error = event.error if isinstance(event, NotificationFailed) else None
    data = wire.DeliveryData(
        delivery_id=event.delivery_id,
        channel=event.channel,
        template=event.template,
        source_event_id=event.source_event_id,
        source_event_type=event.source_event_type,
        recipient_masked=event.recipient_masked,
        attempts=event.attempts,
        provider_message_id=event.provider_message_id,
        error=error,
    )
    if isinstance(event, NotificationFailed):
        return wire.NotificationFailed(data=data, occurred_at=event.occurred_at)
    return wire.NotificationDelivered(data=data, occurred_at=event.occurred_at)
