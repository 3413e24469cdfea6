"""The notifier's domain, without I/O: retry schedule, delivery states, error classification,
template choice and how link validity reads."""

from datetime import timedelta

import pytest

from common.contracts.identity import TokenMailData
from notifier.consumers import link_mail
from notifier.domain.backoff import RetryPolicy
from notifier.domain.deliveries import Delivery, DeliveryStatus, InvalidTransition
from notifier.domain.errors import (
    PermanentDeliveryError,
    SmtpStage,
    TransientDeliveryError,
    classify_smtp_reply,
)
from notifier.domain.events import NotificationDelivered, NotificationFailed
from notifier.domain.messages import LinkMail, Template, describe_duration, template_for
from notifier.events import to_wire

from .fakes import T0, make_delivery

LINK = "http://127.0.0.1:8080/activar?token=abcDEF123_-xyz"


# --- backoff ---------------------------------------------------------------------------------


def test_backoff_doubles_from_base_up_to_cap_without_jitter() -> None:
    policy = RetryPolicy(base_seconds=1.0, max_seconds=30.0, jitter=0.0)
    delays = [policy.delay(n, 0.5).total_seconds() for n in range(1, 9)]
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]


def test_jitter_stays_within_its_band_and_under_the_cap() -> None:
    policy = RetryPolicy(base_seconds=1.0, max_seconds=30.0, jitter=0.2)
    assert policy.delay(3, 0.0).total_seconds() == pytest.approx(3.2)
    assert policy.delay(3, 0.999999).total_seconds() == pytest.approx(4.8, abs=1e-4)
    assert policy.delay(3, 0.5).total_seconds() == pytest.approx(4.0)
    for rand in (0.0, 0.3, 0.99):
        assert 24 <= policy.delay(40, rand).total_seconds() <= 30
    assert policy.delay(10_000, 0.9).total_seconds() == 30  # no overflow on huge attempt counts


def test_default_policy_rides_out_about_twenty_minutes_of_outage() -> None:
    span = RetryPolicy().worst_case_span()
    assert timedelta(minutes=20) < span < timedelta(minutes=30)


def test_attempts_start_at_one() -> None:
    with pytest.raises(ValueError):
        RetryPolicy().delay(0, 0.5)


# --- error classification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "code", "permanent"),
    [
        (SmtpStage.RCPT, 550, True),  # mailbox unavailable
        (SmtpStage.RCPT, 553, True),  # mailbox name not allowed
        (SmtpStage.MAIL, 553, True),
        (SmtpStage.DATA, 554, True),  # message rejected
        (SmtpStage.RCPT, 450, False),  # mailbox busy: greylisting
        (SmtpStage.RCPT, 452, False),
        (SmtpStage.DATA, 451, False),
        (SmtpStage.CONNECT, 421, False),
        (SmtpStage.CONNECT, 554, False),  # server refuses the session: an ops problem
        (SmtpStage.AUTH, 535, False),  # bad credentials: fix the config, the mail waits
        (SmtpStage.HELO, 501, False),
    ],
)
def test_smtp_replies_are_classified(stage: SmtpStage, code: int, permanent: bool) -> None:
    error = classify_smtp_reply(stage, code, "whatever")
    assert isinstance(error, PermanentDeliveryError if permanent else TransientDeliveryError)
    assert error.transient is not permanent
    assert error.code == code and str(code) in error.describe()


# --- delivery states -------------------------------------------------------------------------


def new_delivery() -> Delivery:
    return make_delivery(link=LINK)


def test_new_delivery_is_pending_and_due_now() -> None:
    delivery = new_delivery()
    assert delivery.status is DeliveryStatus.PENDING and not delivery.is_final
    assert delivery.next_attempt_at == T0 and delivery.attempts == 0 and delivery.events == []


def test_success_marks_sent_drops_payload_and_raises_delivered() -> None:
    delivery = new_delivery()
    delivery.mark_sent("<d1@demo.ec>", T0 + timedelta(seconds=1))
    assert delivery.status is DeliveryStatus.SENT and delivery.is_final
    assert delivery.attempts == 1 and delivery.provider_message_id == "<d1@demo.ec>"
    assert delivery.payload is None and delivery.next_attempt_at is None
    [event] = delivery.events
    assert isinstance(event, NotificationDelivered)
    assert event.source_event_id == "e1" and event.provider_message_id == "<d1@demo.ec>"
    assert event.recipient_masked == "a***@correo.com"
    assert event.occurred_at == T0 + timedelta(seconds=1)
    assert LINK not in repr(event) and LINK not in to_wire(event).model_dump_json()


def test_transient_failure_schedules_a_retry_with_backoff() -> None:
    policy = RetryPolicy(base_seconds=1.0, max_seconds=30.0, jitter=0.0)
    delivery = new_delivery()
    for n, expected in enumerate([1, 2, 4], start=1):
        now = T0 + timedelta(minutes=n)
        delivery.attempt_failed(TransientDeliveryError("connection refused"), now, policy, 0.5)
        assert delivery.status is DeliveryStatus.RETRYING and delivery.attempts == n
        assert delivery.next_attempt_at == now + timedelta(seconds=expected)
    assert delivery.payload == {"link": LINK}  # still needed to send it later
    assert delivery.events == [] and delivery.last_error == "connection refused"


def test_transient_failures_give_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    delivery = new_delivery()
    for _ in range(2):
        delivery.attempt_failed(TransientDeliveryError("timeout"), T0, policy, 0.5)
    assert delivery.status is DeliveryStatus.RETRYING
    delivery.attempt_failed(TransientDeliveryError("timeout"), T0, policy, 0.5)
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 3
    assert delivery.payload is None and delivery.failed_at == T0
    [event] = delivery.events
    assert isinstance(event, NotificationFailed) and "gave up after 3" in event.error


def test_permanent_failure_fails_at_once_and_masks_the_address_in_the_event() -> None:
    delivery = new_delivery()
    error = classify_smtp_reply(SmtpStage.RCPT, 550, "<ana.quispe@correo.com> unknown user")
    delivery.attempt_failed(error, T0, RetryPolicy(), 0.5)
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 1
    [event] = delivery.events
    assert isinstance(event, NotificationFailed)
    assert "550" in event.error and "ana.quispe" not in event.error
    assert "ana.quispe" not in to_wire(event).model_dump_json()
    assert delivery.last_error and "ana.quispe@correo.com" in delivery.last_error  # kept in DB


@pytest.mark.parametrize("finish", ["sent", "failed"])
def test_final_deliveries_do_not_change(finish: str) -> None:
    delivery = new_delivery()
    if finish == "sent":
        delivery.mark_sent("<m>", T0)
    else:
        delivery.attempt_failed(PermanentDeliveryError("no"), T0, RetryPolicy(), 0.5)
    with pytest.raises(InvalidTransition):
        delivery.mark_sent("<m2>", T0)
    with pytest.raises(InvalidTransition):
        delivery.attempt_failed(TransientDeliveryError("x"), T0, RetryPolicy(), 0.5)
    assert len(delivery.events) == 1


# --- which email, and what it says ---------------------------------------------------------------


def test_template_choice() -> None:
    assert template_for("identity.activation_requested", "registration") is Template.WELCOME
    assert template_for("identity.activation_requested", "resend") is Template.ACTIVATION
    assert template_for("identity.password_reset_requested", "password_reset") is (
        Template.PASSWORD_RESET
    )
    with pytest.raises(PermanentDeliveryError):
        template_for("billing.invoice_issued", "")


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(hours=24), "24 horas"),
        (timedelta(hours=1), "1 hora"),
        (timedelta(minutes=60), "1 hora"),
        (timedelta(minutes=30), "30 minutos"),
        (timedelta(minutes=1), "1 minuto"),
        (timedelta(days=3), "3 días"),
        (timedelta(seconds=5), "1 minuto"),
    ],
)
def test_validity_reads_naturally(span: timedelta, text: str) -> None:
    assert describe_duration(span) == text


def mail_data(**changes: str) -> TokenMailData:
    values = {
        "user_id": "u1",
        "email": "ana@correo.com",
        "given_names": "Ana",
        "surnames": "Quispe",
        "token": "abcDEF123_-xyz",
        "link": LINK,
        "expires_at": T0 + timedelta(hours=24),
        "reason": "registration",
    }
    return TokenMailData.model_validate(values | changes)


def test_link_mail_round_trips_through_the_delivery_payload() -> None:
    mail = link_mail(mail_data(), T0)
    payload = mail.to_payload()
    assert "token" not in payload  # the link is enough; no second copy of the secret
    assert LinkMail.from_payload(payload) == mail
    assert mail.validity() == "24 horas"
    assert mail.expires_text() == "28/11/2026 a las 07:00, hora de Ecuador"


def test_unusable_payloads_and_links_are_permanent() -> None:
    with pytest.raises(PermanentDeliveryError):
        LinkMail.from_payload({"link": LINK})
    with pytest.raises(PermanentDeliveryError):
        link_mail(mail_data(link="javascript:alert(1)"), T0).check()
    with pytest.raises(PermanentDeliveryError):
        link_mail(mail_data(email="a@b.ec\r\nBcc: x@y.ec"), T0).check()
