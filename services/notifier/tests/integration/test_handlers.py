"""The consumers under FastStream's TestKafkaBroker (in-memory Kafka), with the store on the real
FerretDB and emails to the real Mailpit: delivery records, exactly-once sending, retries from
the record when SMTP is down, giving up, 550 → failed + DLQ, and the claim guard."""

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaMessage, TestKafkaBroker

from common.contracts import ActivationRequested, PasswordResetRequested, UserRegistered
from common.contracts.identity import TokenMailData, UserProfile
from notifier.adapters.store import DELIVERIES, RECIPIENTS, DeliveryStore
from notifier.bootstrap import Notifier
from notifier.use_cases.deliveries import retry_once
from tests.support import mails_to, unique_email, wait_for_mail

# FerretDB and Mailpit (Kafka itself is in memory here).

MakeApp = Callable[..., Awaitable[FastAPI]]
Forwarder = Callable[..., contextlib.AbstractAsyncContextManager[None]]


def link_data(email: str, reason: str = "registration", **changes: Any) -> TokenMailData:
    token = uuid.uuid4().hex
    path = "restablecer" if reason == "password_reset" else "activar"
    values: dict[str, Any] = {
        "user_id": uuid.uuid4().hex,
        "email": email,
        "given_names": "María José",
        "surnames": "Pérez <Ñáñez>",
        "token": token,
        "link": f"http://127.0.0.1:8080/{path}?token={token}",
        "expires_at": datetime.now(UTC) + timedelta(hours=24),
        "reason": reason,
    }
    return TokenMailData.model_validate(values | changes)


async def publish(app: FastAPI, event: Any) -> None:
    await app.state.runtime.broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


def ctx(app: FastAPI) -> Notifier:
    notifier: Notifier = app.state.service
    return notifier


async def delivery_doc(app: FastAPI, event_id: Any) -> dict[str, Any]:
    doc: dict[str, Any] | None = await app.state.runtime.database[DELIVERIES].find_one(
        {"source_event_id": str(event_id)}
    )
    assert doc is not None
    return doc


async def test_user_registered_upserts_the_recipient(make_app: MakeApp) -> None:
    app = await make_app()
    profile = UserProfile(
        user_id=uuid.uuid4().hex,
        email=unique_email(),
        given_names="Rosa",
        surnames="Tenesaca",
        id_type="cedula",
        id_number="1714307103",
    )
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, UserRegistered(data=profile))
        await publish(app, UserRegistered(data=profile))  # another event, same user
    recipients = app.state.runtime.database[RECIPIENTS]
    assert await recipients.count_documents({}) == 1
    doc = await recipients.find_one({"_id": profile.user_id})
    assert doc["email"] == profile.email and doc["given_names"] == "Rosa"
    assert doc["preferences"] == {"email": True} and doc["locale"] == "es-EC"
    assert "id_number" not in doc  # nothing the notifier does not need


async def test_activation_is_emailed_once_even_when_the_event_is_replayed(
    make_app: MakeApp,
) -> None:
    app = await make_app()
    address = unique_email("bienvenida")
    event = ActivationRequested(data=link_data(address))
    async with TestKafkaBroker(app.state.runtime.broker), httpx.AsyncClient() as http:
        await publish(app, event)
        [mail] = await wait_for_mail(http, address)
        # The same event again (a redelivery; the processed-events mark is not even needed).
        await app.state.runtime.database["processed_events"].delete_many({})
        await publish(app, event)
        await asyncio.sleep(1.0)
        assert len(await mails_to(http, address)) == 1

    doc = await delivery_doc(app, event.event_id)
    assert doc["status"] == "sent" and doc["attempts"] == 1 and doc["template"] == "welcome"
    assert doc["recipient"] == address and "payload" not in doc  # the link is gone at rest
    assert doc["provider_message_id"] == f"<{doc['_id']}@demo.ec>"
    assert mail["MessageID"] == doc["_id"] + "@demo.ec"
    assert mail["Subject"] == "Bienvenido a Mi Claro: activa tu cuenta"
    assert event.data.link in mail["Text"] and "Pérez <Ñáñez>" in mail["Text"]
    assert "Pérez &lt;Ñáñez&gt;" in mail["HTML"]
    [outbox] = doc["outbox"]  # NotificationDelivered, for the relay to publish
    assert outbox["topic"] == "notifier.notification-delivered"
    assert event.data.token not in outbox["payload"] and address not in outbox["payload"]


async def test_resend_and_password_reset_templates(make_app: MakeApp) -> None:
    app = await make_app()
    address = unique_email("plantillas")
    resend = ActivationRequested(data=link_data(address, "resend"))
    reset = PasswordResetRequested(
        data=link_data(
            address, "password_reset", expires_at=datetime.now(UTC) + timedelta(minutes=60)
        )
    )
    async with TestKafkaBroker(app.state.runtime.broker), httpx.AsyncClient() as http:
        await publish(app, resend)
        await publish(app, reset)
        mails = await wait_for_mail(http, address, count=2)
    subjects = {m["Subject"]: m for m in mails}
    assert resend.data.link in subjects["Activa tu cuenta de Mi Claro"]["Text"]
    reset_mail = subjects["Restablece tu contraseña de Mi Claro"]
    assert reset.data.link in reset_mail["Text"] and "1 hora" in reset_mail["Text"]
    assert (await delivery_doc(app, reset.event_id))["template"] == "password_reset"


async def test_smtp_down_then_back_sends_exactly_once_from_the_delivery_record(
    make_app: MakeApp, closed_port: Callable[[], int], forwarder: Forwarder
) -> None:
    port = closed_port()  # nothing listens: connection refused
    app = await make_app(smtp_port=port)
    address = unique_email("reintento")
    event = ActivationRequested(data=link_data(address))
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, event)  # returns normally: the record holds the retry

    doc = await delivery_doc(app, event.event_id)
    assert doc["status"] == "retrying" and doc["attempts"] == 1
    assert doc["next_attempt_at"] > doc["created_at"] and doc["payload"]["link"]
    assert "Connect" in doc["last_error"] or "refused" in doc["last_error"].lower()
    assert doc["outbox"] == []
    processed = app.state.runtime.database["processed_events"]
    assert await processed.count_documents({"event_id": str(event.event_id)}) == 1

    await asyncio.sleep(0.3)
    assert await retry_once(ctx(app)) == 1  # still down: another attempt, still retrying
    assert (await delivery_doc(app, event.event_id))["attempts"] == 2

    async with forwarder(port), httpx.AsyncClient() as http:  # SMTP is back
        await asyncio.sleep(0.3)
        assert await retry_once(ctx(app)) == 1
        [mail] = await wait_for_mail(http, address)
        assert event.data.link in mail["Text"]
        await asyncio.sleep(0.3)
        assert await retry_once(ctx(app)) == 0  # nothing left to do
        await asyncio.sleep(0.5)
        assert len(await mails_to(http, address)) == 1

    doc = await delivery_doc(app, event.event_id)
    assert doc["status"] == "sent" and doc["attempts"] == 3 and "payload" not in doc
    assert [e["topic"] for e in doc["outbox"]] == ["notifier.notification-delivered"]


async def test_gives_up_after_max_attempts_with_notification_failed(
    make_app: MakeApp, closed_port: Callable[[], int]
) -> None:
    app = await make_app(smtp_port=closed_port(), max_attempts_before_giving_up=2)
    event = ActivationRequested(data=link_data(unique_email("rendido")))
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, event)
    await asyncio.sleep(0.3)
    assert await retry_once(ctx(app)) == 1
    doc = await delivery_doc(app, event.event_id)
    assert doc["status"] == "failed" and doc["attempts"] == 2 and "payload" not in doc
    assert doc["last_error"].startswith("gave up after 2 attempts")
    [outbox] = doc["outbox"]
    assert outbox["topic"] == "notifier.notification-failed"
    await asyncio.sleep(0.3)
    assert await retry_once(ctx(app)) == 0


async def test_550_fails_the_delivery_and_dead_letters_the_event(
    make_app: MakeApp, refusing_smtp: Any
) -> None:
    app = await make_app(smtp_port=refusing_smtp.port)
    broker = app.state.runtime.broker
    dead: list[Any] = []

    @broker.subscriber(f"{ActivationRequested.topic}.dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        dead.append((body, message.headers))

    event = ActivationRequested(data=link_data(unique_email("rechazo")))
    async with TestKafkaBroker(broker):
        await publish(app, event)

    assert refusing_smtp.rcpts  # it did talk to the server
    doc = await delivery_doc(app, event.event_id)
    assert doc["status"] == "failed" and doc["attempts"] == 1 and "payload" not in doc
    assert doc["last_error"].startswith("550")
    [outbox] = doc["outbox"]
    assert outbox["topic"] == "notifier.notification-failed"
    [(body, headers)] = dead
    assert body["event_id"] == str(event.event_id)
    assert headers["dlq_error_type"] == "PermanentError"
    assert event.data.link not in headers["dlq_error"]


async def test_a_delivery_is_claimed_by_one_sender_at_a_time(
    make_app: MakeApp, closed_port: Callable[[], int]
) -> None:
    app = await make_app(smtp_port=closed_port())
    event = ActivationRequested(data=link_data(unique_email("reclamo")))
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, event)
    doc = await delivery_doc(app, event.event_id)
    store = ctx(app).deliveries
    assert isinstance(store, DeliveryStore)
    later = doc["next_attempt_at"] + timedelta(seconds=1)
    lease = timedelta(seconds=60)
    claims = await asyncio.gather(*(store.claim(doc["_id"], later, lease) for _ in range(5)))
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    assert await store.due(later, 10) == []  # held: the loop leaves it alone
    # The lease lapses (a sender died mid-send): it can be taken again.
    assert await store.claim(doc["_id"], later + lease + timedelta(seconds=1), lease) is not None
    # The first holder lost its claim: its outcome is not recorded over the new holder's.
    delivery, claim_id = winners[0]
    delivery.mark_sent("<x@demo.ec>", later)
    assert await store.record(delivery, claim_id, later) is False
