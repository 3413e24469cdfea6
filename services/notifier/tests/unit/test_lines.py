"""lines' events on fakes: LineVerificationRequested becomes one SMS (also under the in-memory
broker, replayed), LineRemoved "transferred" one email to the previous holder."""

import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from faststream.kafka import TestKafkaBroker

from common.contracts.lines import (
    LineRemoved,
    LineRemovedData,
    LineVerificationData,
    LineVerificationRequested,
)
from notifier.bootstrap import Notifier, bootstrap
from notifier.consumers import email_line_transferred, sms_line_code
from notifier.domain.recipients import Recipient
from notifier.settings import NotifierSettings

from .fakes import T0, FakeDeliveries, FakeMailer, FakeRecipients, FakeSms, parts
from .test_consumers import app_on_fakes, publish

SETTINGS = NotifierSettings(consumer_backoff_seconds=0.0, portal_base_url="https://micuenta.ec")
NUMBER = "+593991234567"


def service(**changes: Any) -> Notifier:
    return bootstrap(SETTINGS, **parts(SETTINGS, **changes))


def code_event(**changes: Any) -> LineVerificationRequested:
    values: dict[str, Any] = {
        "line_id": "line-1",
        "user_id": "u2",
        "number": NUMBER,
        "service_type": "movil",
        "destination": NUMBER,
        "code": "482913",
        "expires_at": T0 + timedelta(minutes=10),
        "send_number": 1,
    }
    return LineVerificationRequested(data=LineVerificationData(**(values | changes)))


def removed_event(reason: str = "transferred", user_id: str = "u1") -> LineRemoved:
    data = LineRemovedData(
        line_id="line-0",
        user_id=user_id,
        number=NUMBER,
        service_type="movil",
        occurred_at=T0,
        reason=reason,
    )
    return LineRemoved(data=data)


def with_recipient(svc: Notifier) -> Notifier:
    assert isinstance(svc.recipients, FakeRecipients)
    ana = Recipient(user_id="u1", email="ana.quispe@correo.ec", given_names="Ana", surnames="Q")
    svc.recipients.saved["u1"] = (ana, T0)
    return svc


def sent_sms(svc: Notifier) -> FakeSms:
    assert isinstance(svc.sms, FakeSms)
    return svc.sms


def mails(svc: Notifier) -> list[EmailMessage]:
    assert isinstance(svc.mailer, FakeMailer)
    return svc.mailer.sent


async def test_a_code_event_is_one_sms_to_its_destination() -> None:
    svc = service()
    event = code_event(destination="+593987654321")
    await sms_line_code(event, svc)
    [sent] = sent_sms(svc).sent
    assert sent.sms.destination == "593987654321" and "482913" in sent.sms.text.text
    assert isinstance(svc.deliveries, FakeDeliveries)
    delivery = await svc.deliveries.by_source(str(event.event_id), "sms")
    assert delivery is not None and delivery.correlation_id == event.correlation_id
    assert delivery.expires_at == event.data.expires_at and delivery.user_id == "u2"


async def test_a_code_event_delivered_three_times_is_one_sms() -> None:
    svc_parts = parts(SETTINGS)
    app, runtime = app_on_fakes(svc_parts)
    event = code_event()
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, event)
        await publish(app, event)
        runtime.processed.records.clear()  # even without the processed-events mark
        await publish(app, event)
    assert len(svc_parts["sms"].sent) == 1


async def test_a_transferred_line_emails_its_previous_holder_once() -> None:
    svc = with_recipient(service())
    event = removed_event()
    await email_line_transferred(event, svc)
    await email_line_transferred(event, svc)
    [message] = mails(svc)
    assert message["To"] == "ana.quispe@correo.ec"
    assert message["Subject"] == "Tu línea fue registrada en otra cuenta de Mi Claro"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    body = text.get_content()
    assert "Hola Ana," in body and "099***4567" in body and "https://micuenta.ec/" in body
    assert "27/11/2026 a las 07:00, hora de Ecuador" in body
    for part in (body, html.get_content()):
        assert "991234567" not in part and "0991234567" not in part
    assert isinstance(svc.deliveries, FakeDeliveries)
    delivery = svc.deliveries.only()
    assert delivery.template == "line_transferred" and delivery.source_event_id == str(
        event.event_id
    )


async def test_a_plain_removal_emails_nothing() -> None:
    svc = with_recipient(service())
    await email_line_transferred(removed_event("removed"), svc)
    assert mails(svc) == []
    assert isinstance(svc.deliveries, FakeDeliveries) and svc.deliveries.rows == {}


async def test_an_unknown_previous_holder_is_skipped() -> None:
    svc = service()
    await email_line_transferred(removed_event(user_id=uuid.uuid4().hex), svc)
    assert mails(svc) == []
