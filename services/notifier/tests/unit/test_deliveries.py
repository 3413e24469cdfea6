"""The delivery use cases on fakes (store, mailer, clock): one email per event, retries from
the record, giving up, the claim that keeps two senders apart. Milliseconds, no stack."""

import asyncio
import uuid
from datetime import timedelta

import pytest

from common.contracts import NotificationDelivered, NotificationFailed
from notifier.domain.deliveries import DeliveryStatus
from notifier.domain.errors import PermanentDeliveryError, TransientDeliveryError, Undeliverable
from notifier.domain.messages import LinkMail, LinkRequest
from notifier.ports import StoreUnavailable
from notifier.use_cases import deliveries
from notifier.use_cases.deliveries import email_link, retry_once
from notifier.use_cases.emails import link_delivery

from .fakes import T0
from .services import SETTINGS, clock, instant_pauses, mailer, service, store

LINK = "http://127.0.0.1:8080/activar?token=abcDEF123_-xyz"


def request(
    reason: str = "registration", event_type: str = "identity.activation_requested"
) -> LinkRequest:
    mail = LinkMail(
        given_names="Ana",
        surnames="Quispe",
        email="ana.quispe@correo.com",
        link=LINK,
        issued_at=T0,
        expires_at=T0 + timedelta(hours=24),
        reason=reason,
    )
    return LinkRequest(uuid.uuid4().hex, event_type, "corr-1", "u1", mail)


async def test_a_link_is_emailed_once_and_recorded_sent_with_its_event() -> None:
    svc = service()
    ask = request()
    await email_link(svc, ask)
    [message] = mailer(svc).sent
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.template == "welcome" and delivery.source_event_id == ask.event_id
    assert delivery.payload is None  # the link is gone at rest
    assert (
        delivery.provider_message_id
        == message["Message-ID"]
        == svc.mailer.message_id(delivery.delivery_id)
    )
    assert message["Subject"] == "Bienvenido a Mi Claro: activa tu cuenta"
    text = message.get_body(("plain",))
    assert text is not None and LINK in text.get_content()
    [event] = store(svc).outbox
    assert isinstance(event, NotificationDelivered)
    assert event.data.delivery_id == delivery.delivery_id and event.data.attempts == 1
    assert event.occurred_at == T0


async def test_a_replayed_event_sends_nothing() -> None:
    svc = service()
    ask = request()
    await email_link(svc, ask)
    await email_link(svc, ask)
    assert len(mailer(svc).sent) == 1 and len(store(svc).rows) == 1
    assert len(store(svc).outbox) == 1


async def test_a_replay_while_the_first_is_retrying_leaves_it_to_the_retry_loop() -> None:
    svc = service()
    mailer(svc).fail_with(TransientDeliveryError("connection refused"))
    ask = request()
    await email_link(svc, ask)
    await email_link(svc, ask)
    assert mailer(svc).sent == [] and store(svc).only().attempts == 1


async def test_the_template_follows_the_event_and_reason() -> None:
    svc = service()
    await email_link(svc, request("resend"))
    await email_link(svc, request("password_reset", "identity.password_reset_requested"))
    subjects = [m["Subject"] for m in mailer(svc).sent]
    assert subjects == ["Activa tu cuenta de Mi Claro", "Restablece tu contraseña de Mi Claro"]


async def test_a_transient_failure_is_retrying_with_its_next_attempt() -> None:
    svc = service()
    mailer(svc).fail_with(TransientDeliveryError("connection refused"))
    await email_link(svc, request())  # no error: the record holds the retry
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.RETRYING and delivery.attempts == 1
    assert delivery.next_attempt_at == T0 + timedelta(seconds=1)
    assert delivery.last_error == "connection refused" and delivery.payload
    assert store(svc).outbox == [] and mailer(svc).sent == []


async def test_an_unexpected_crash_is_retried_like_a_transient_failure() -> None:
    svc = service()
    mailer(svc).fail_with(RuntimeError("surprise"))
    await email_link(svc, request())
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.RETRYING
    assert delivery.last_error == "unexpected RuntimeError: surprise"


async def test_a_permanent_failure_is_failed_with_its_event_and_undeliverable() -> None:
    svc = service()
    mailer(svc).fail_with(PermanentDeliveryError("rcpt: <ana.quispe@correo.com> unknown", 550))
    with pytest.raises(Undeliverable) as refused:
        await email_link(svc, request())
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.payload is None and (delivery.last_error or "").startswith("550")
    assert str(refused.value).startswith(f"email delivery {delivery.delivery_id} failed: 550")
    assert "ana.quispe@" not in str(refused.value) and LINK not in str(refused.value)
    [event] = store(svc).outbox
    assert isinstance(event, NotificationFailed) and (event.data.error or "").startswith("550")


async def test_the_retry_loop_sends_what_is_due_and_only_that() -> None:
    svc = service()
    mailer(svc).fail_with(TransientDeliveryError("down"), TransientDeliveryError("down"))
    await email_link(svc, request())
    assert await retry_once(svc) == 0  # not due yet
    clock(svc).advance(1.5)
    assert await retry_once(svc) == 1  # still down: attempt 2, back in 2 s
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.RETRYING and delivery.attempts == 2
    assert delivery.next_attempt_at == clock(svc).now + timedelta(seconds=2)
    clock(svc).advance(2.5)
    assert await retry_once(svc) == 1  # back: sent
    assert await retry_once(svc) == 0
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 3
    assert len(mailer(svc).sent) == 1
    assert [type(e) for e in store(svc).outbox] == [NotificationDelivered]


async def test_transient_failures_give_up_after_max_attempts() -> None:
    settings = SETTINGS.model_copy(update={"max_attempts_before_giving_up": 2})
    svc = service(settings=settings)
    mailer(svc).fail_with(*(TransientDeliveryError("down") for _ in range(2)))
    await email_link(svc, request())
    clock(svc).advance(5)
    assert await retry_once(svc) == 1
    delivery = store(svc).only()
    assert delivery.status is DeliveryStatus.FAILED
    assert (delivery.last_error or "").startswith("gave up after 2 attempts")
    [event] = store(svc).outbox
    assert isinstance(event, NotificationFailed)
    clock(svc).advance(60)
    assert await retry_once(svc) == 0


async def test_a_claimed_delivery_waits_for_its_lease_to_lapse() -> None:
    svc = service()
    ask = request()
    # A consumer claimed it and died mid-send: nothing recorded, the claim still held.
    delivery = link_delivery(ask, clock(svc).now)
    assert await store(svc).create_claimed(delivery, clock(svc).now, svc.lease)
    clock(svc).advance(30)
    assert await retry_once(svc) == 0 and mailer(svc).sent == []
    clock(svc).advance(31)  # the 60 s lease lapsed
    assert await retry_once(svc) == 1
    assert store(svc).only().status is DeliveryStatus.SENT and len(mailer(svc).sent) == 1


async def test_a_lost_claim_is_not_recorded_over_the_new_holder() -> None:
    svc = service()
    delivery = link_delivery(request(), clock(svc).now)
    first = await store(svc).create_claimed(delivery, clock(svc).now, svc.lease)
    assert first is not None
    clock(svc).advance(61)
    taken = await store(svc).claim(delivery.delivery_id, clock(svc).now, svc.lease)
    assert taken is not None
    await deliveries.attempt(svc, delivery, first)  # the first holder finishes late
    assert store(svc).only().status is DeliveryStatus.PENDING and store(svc).outbox == []


@pytest.fixture
async def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return await instant_pauses(monkeypatch)


async def test_recording_is_retried_while_the_store_blinks(pauses: list[float]) -> None:
    svc = service()
    store(svc).record_failures = 2
    await email_link(svc, request())
    assert store(svc).only().status is DeliveryStatus.SENT
    assert pauses == [0.2, 0.4]


async def test_recording_gives_up_when_the_store_stays_down(pauses: list[float]) -> None:
    svc = service()
    store(svc).record_failures = 5
    with pytest.raises(StoreUnavailable):
        await email_link(svc, request())
    assert pauses == [0.2, 0.4, 0.8, 1.6]
    # Still claimed and pending: the lease lapses and the retry loop sends it again.
    assert store(svc).only().status is DeliveryStatus.PENDING


async def test_the_retry_loop_runs_until_cancelled() -> None:
    settings = SETTINGS.model_copy(update={"retry_poll_seconds": 0.01})
    svc = service(settings=settings)
    mailer(svc).fail_with(TransientDeliveryError("down"))
    await email_link(svc, request())
    clock(svc).advance(2)
    loop = asyncio.create_task(deliveries.retry_due(svc))
    await asyncio.wait_for(mailer(svc).delivered.wait(), timeout=5)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert store(svc).only().status is DeliveryStatus.SENT and len(mailer(svc).sent) == 1
