"""Domain events → the wire events other services read: same topics, keys and payloads."""

import json
from datetime import timedelta

from common import context
from common.contracts import NotificationDelivered, NotificationFailed
from common.contracts.notifier import DeliveryData
from notifier.domain.backoff import RetryPolicy
from notifier.domain.deliveries import Delivery
from notifier.domain.errors import PermanentDeliveryError
from notifier.events import to_wire

from .fakes import T0, make_delivery


def delivery() -> Delivery:
    return make_delivery()


def test_delivered() -> None:
    sent = delivery()
    sent.mark_sent("<d1@demo.ec>", T0 + timedelta(seconds=2))
    context.bind("c1", "e1")
    [event] = [to_wire(e) for e in sent.events]
    assert isinstance(event, NotificationDelivered)
    assert event.topic == "notifier.notification-delivered" and event.key() == "d1"
    assert event.data == DeliveryData(
        delivery_id="d1",
        channel="email",
        template="welcome",
        source_event_id="e1",
        source_event_type="identity.activation_requested",
        recipient_masked="a***@correo.com",
        attempts=1,
        provider_message_id="<d1@demo.ec>",
        error=None,
    )
    assert event.occurred_at == T0 + timedelta(seconds=2)
    assert (event.correlation_id, event.causation_id) == ("c1", "e1")
    assert "SECRET" not in event.model_dump_json()


def test_failed() -> None:
    failed = delivery()
    error = PermanentDeliveryError("rcpt: <ana.quispe@correo.com> unknown", 550)
    failed.attempt_failed(error, T0, RetryPolicy(), 0.5)
    [event] = [to_wire(e) for e in failed.events]
    assert isinstance(event, NotificationFailed)
    assert event.topic == "notifier.notification-failed" and event.key() == "d1"
    payload = json.loads(event.model_dump_json())["data"]
    assert payload == {
        "delivery_id": "d1",
        "channel": "email",
        "template": "welcome",
        "source_event_id": "e1",
        "source_event_type": "identity.activation_requested",
        "recipient_masked": "a***@correo.com",
        "attempts": 1,
        "provider_message_id": None,
        "error": "550 rcpt: <a***@correo.com> unknown",
    }
