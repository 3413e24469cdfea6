"""The notifier as it runs (lifespan: indexes, topics, consumers, outbox relay, retry loop)
against the real Kafka, FerretDB and Mailpit. Topics are suffixed per run so a notifier that
`make up` started does not take these events (and these tests do not take its events)."""

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from common.contracts import ActivationRequested, NotificationDelivered, NotificationFailed
from common.contracts.base import Event
from common.contracts.identity import TokenMailData
from common.service import ServiceSpec
from notifier.adapters.store import DELIVERIES
from notifier.bootstrap import Notifier
from tests.kafka_support import find_record, headers_of, produce
from tests.support import mails_to, unique_email, wait_for_mail


@pytest.fixture
def activation_kind(isolated: ServiceSpec[Notifier]) -> type[ActivationRequested]:
    """ActivationRequested on this run's topic."""
    assert isolated.consumers is not None
    [kind] = [e for e in isolated.consumers.events if issubclass(e, ActivationRequested)]
    return kind


def activation(kind: type[ActivationRequested], address: str) -> ActivationRequested:
    token = uuid.uuid4().hex
    return kind(
        data=TokenMailData(
            user_id=uuid.uuid4().hex,
            email=address,
            given_names="Luis Alberto",
            surnames="Chalá",
            token=token,
            link=f"http://127.0.0.1:8080/activar?token={token}",
            expires_at=datetime.now(UTC) + timedelta(hours=24),
            reason="registration",
        ),
        correlation_id=uuid.uuid4().hex,
    )


async def send(event: Event) -> None:
    await produce(
        event.topic,
        event.model_dump_json().encode(),
        event.key().encode(),
        event.cloudevents_headers(),
    )


async def wait_for_delivery(app: FastAPI, event: Event, status: str) -> dict[str, Any]:
    deliveries = app.state.runtime.database[DELIVERIES]
    async with asyncio.timeout(60):
        while True:
            doc = await deliveries.find_one({"source_event_id": str(event.event_id)})
            if doc and doc["status"] == status and not doc.get("outbox"):
                return dict(doc)  # final, and its event was relayed
            await asyncio.sleep(0.2)


async def test_the_same_activation_twice_is_one_email_and_one_delivered_event(
    start: Callable[..., Any], activation_kind: type[ActivationRequested]
) -> None:
    app = await start()
    address = unique_email("una-vez")
    event = activation(activation_kind, address)
    await send(event)
    await send(event)  # a duplicate on the topic (e.g. a producer retry)

    async with httpx.AsyncClient() as http:
        [mail] = await wait_for_mail(http, address, timeout=60)
        doc = await wait_for_delivery(app, event, "sent")
        await asyncio.sleep(3)  # time for a second email, if there were going to be one
        assert len(await mails_to(http, address)) == 1
    assert mail["Subject"].startswith("Bienvenido")
    assert event.data.link in mail["Text"] and "Luis Alberto" in mail["Text"]
    assert f"<{mail['MessageID']}>" == doc["provider_message_id"]

    record = await find_record(NotificationDelivered.topic, doc["_id"].encode())
    assert headers_of(record)["ce_type"] == "notifier.notification_delivered"
    assert headers_of(record)["correlation_id"] == event.correlation_id
    delivered = json.loads(record.value)
    assert delivered["data"]["source_event_id"] == str(event.event_id)
    assert delivered["causation_id"] == str(event.event_id)
    assert address not in record.value.decode() and event.data.token not in record.value.decode()


async def test_refused_recipient_fails_publishes_notification_failed_and_dead_letters(
    start: Callable[..., Any], activation_kind: type[ActivationRequested], refusing_smtp: Any
) -> None:
    app = await start(smtp_port=refusing_smtp.port)
    event = activation(activation_kind, unique_email("rechazado"))
    await send(event)

    doc = await wait_for_delivery(app, event, "failed")
    assert doc["attempts"] == 1 and doc["last_error"].startswith("550")
    assert "payload" not in doc

    failed = await find_record(NotificationFailed.topic, doc["_id"].encode())
    assert json.loads(failed.value)["data"]["error"].startswith("550")
    dead = await find_record(f"{activation_kind.topic}.dlq", event.key().encode())
    assert json.loads(dead.value)["event_id"] == str(event.event_id)
    headers = headers_of(dead)
    assert headers["dlq_error_type"] == "PermanentError"
    assert headers["dlq_consumer_group"].startswith("notifier-test-")  # the test's own group
    assert event.data.token not in headers["dlq_error"]


async def test_email_waits_for_smtp_and_goes_out_once_it_is_back(
    start: Callable[..., Any],
    activation_kind: type[ActivationRequested],
    closed_port: Callable[[], int],
    forwarder: Any,
) -> None:
    port = closed_port()
    app = await start(smtp_port=port)
    address = unique_email("espera")
    event = activation(activation_kind, address)
    await send(event)
    await wait_for_delivery(app, event, "retrying")

    async with forwarder(port), httpx.AsyncClient() as http:  # the real Mailpit, via the port
        [mail] = await wait_for_mail(http, address, timeout=60)
        doc = await wait_for_delivery(app, event, "sent")
        await asyncio.sleep(2)
        assert len(await mails_to(http, address)) == 1
    assert event.data.link in mail["Text"] and doc["attempts"] >= 2


async def test_health_readiness_and_metrics(start: Callable[..., Any]) -> None:
    app = await start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {
            "database": True,
            "kafka": True,
        }
        metrics = (await http.get("/metrics")).text
    assert "notifications_total" in metrics
