"""The consumers on fakes: a handler is a plain function (call it), and under FastStream's
in-memory broker the runtime's middleware gives once-per-event and the DLQ for a refusal."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from faststream.kafka import KafkaMessage, TestKafkaBroker

from common.contracts import (
    ActivationRequested,
    CreditNoteIssued,
    DebitNoteIssued,
    InvoiceIssued,
    PasswordResetRequested,
    RideRendered,
    UserRegistered,
)
from common.contracts.identity import TokenMailData, UserProfile
from common.contracts.lines import LineRemoved, LineVerificationRequested
from common.messaging import PermanentError
from common.testing import InMemoryRuntime
from notifier.app import build
from notifier.bootstrap import Notifier, bootstrap
from notifier.consumers import (
    consumers,
    email_activation,
    email_password_reset,
    remember_recipient,
)
from notifier.domain.errors import PermanentDeliveryError
from notifier.settings import NotifierSettings

from .fakes import T0, FakeDeliveries, FakeMailer, FakeRecipients, parts

SETTINGS = NotifierSettings(consumer_backoff_seconds=0.0)


def link_data(reason: str = "registration", **changes: Any) -> TokenMailData:
    token = uuid.uuid4().hex
    values: dict[str, Any] = {
        "user_id": "u1",
        "email": "rosa.tenesaca@correo.ec",
        "given_names": "Rosa",
        "surnames": "Tenesaca",
        "token": token,
        "link": f"http://127.0.0.1:8080/activar?token={token}",
        "expires_at": T0 + timedelta(hours=24),
        "reason": reason,
    }
    return TokenMailData.model_validate(values | changes)


def service() -> Notifier:
    return bootstrap(SETTINGS, **parts(SETTINGS))


def sent(svc: Notifier) -> list[Any]:
    assert isinstance(svc.mailer, FakeMailer)
    return svc.mailer.sent


def test_the_group_and_topics_stay() -> None:
    assert consumers.group == "notifier"
    assert consumers.events == [
        UserRegistered,
        ActivationRequested,
        PasswordResetRequested,
        InvoiceIssued,
        CreditNoteIssued,
        DebitNoteIssued,
        RideRendered,
        LineVerificationRequested,
        LineRemoved,
    ]


async def test_user_registered_keeps_only_what_the_notifier_needs() -> None:
    svc = service()
    profile = UserProfile(
        user_id="u1",
        email="rosa@correo.ec",
        given_names="Rosa",
        surnames="Tenesaca",
        id_type="cedula",
        id_number="1714307103",
    )
    await remember_recipient(UserRegistered(data=profile), svc)
    assert isinstance(svc.recipients, FakeRecipients)
    recipient, _ = svc.recipients.saved["u1"]
    assert recipient.email == "rosa@correo.ec" and recipient.given_names == "Rosa"
    assert not hasattr(recipient, "id_number")


async def test_activation_and_reset_are_emailed() -> None:
    svc = service()
    activation = ActivationRequested(data=link_data())
    reset = PasswordResetRequested(data=link_data("password_reset"))
    await email_activation(activation, svc)
    await email_password_reset(reset, svc)
    assert [m["Subject"] for m in sent(svc)] == [
        "Bienvenido a Mi Claro: activa tu cuenta",
        "Restablece tu contraseña de Mi Claro",
    ]
    assert isinstance(svc.deliveries, FakeDeliveries)
    found = await svc.deliveries.by_source(str(activation.event_id), "email")
    assert found is not None and found.correlation_id == activation.correlation_id
    assert found.source_event_type == "identity.activation_requested"


async def test_a_refused_recipient_is_a_permanent_error() -> None:
    svc = service()
    assert isinstance(svc.mailer, FakeMailer)
    svc.mailer.fail_with(PermanentDeliveryError("rcpt: unknown user", 550))
    event = ActivationRequested(data=link_data())
    with pytest.raises(PermanentError, match="failed: 550"):
        await email_activation(event, svc)


def app_on_fakes(svc_parts: dict[str, Any]) -> tuple[FastAPI, InMemoryRuntime]:
    app = build(SETTINGS, **svc_parts)
    runtime = InMemoryRuntime()
    app.state.runtime.broker.context.set_global("runtime", runtime)
    return app, runtime


async def publish(app: FastAPI, event: Any) -> None:
    await app.state.runtime.broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


async def test_an_event_delivered_twice_is_emailed_once() -> None:
    svc_parts = parts(SETTINGS)
    app, runtime = app_on_fakes(svc_parts)
    event = ActivationRequested(data=link_data())
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, event)
        await publish(app, event)
        runtime.processed.records.clear()  # even without the processed-events mark
        await publish(app, event)
    assert len(svc_parts["mailer"].sent) == 1


async def test_a_refused_recipient_dead_letters_the_event() -> None:
    svc_parts = parts(SETTINGS)
    svc_parts["mailer"].fail_with(PermanentDeliveryError("rcpt: unknown user", 550))
    app, runtime = app_on_fakes(svc_parts)
    broker = app.state.runtime.broker
    dead: list[Any] = []

    @broker.subscriber(f"{ActivationRequested.topic}.dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        dead.append((body, message.headers))

    event = ActivationRequested(data=link_data())
    async with TestKafkaBroker(broker):
        await publish(app, event)
    [(body, headers)] = dead
    assert body["event_id"] == str(event.event_id)
    assert headers["dlq_error_type"] == "PermanentError"
    assert headers["dlq_consumer_group"] == "notifier"
    assert event.data.token not in headers["dlq_error"]
    assert runtime.processed.records == []  # it may be replayed from the DLQ
    assert svc_parts["deliveries"].only().status.value == "failed"
