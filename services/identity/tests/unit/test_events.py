"""Domain events become the wire events identity always published: same topics, keys, payloads."""

import json
from datetime import timedelta

from common.contracts import (
    ActivationRequested,
    PasswordResetRequested,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from common.contracts.identity import (
    TokenMailData,
    UserActivatedData,
    UserLockedOutData,
    UserProfile,
)
from identity.domain import events as domain
from identity.domain.policy import Policy
from identity.domain.users import User
from identity.domain.validation import ValidRegistration
from identity.events import to_wire
from services.identity.tests.unit.fakes import PORTAL, T0

POLICY = Policy()


def new_user(id_type: str = "cedula", id_number: str = "1714307103") -> User:
    form = ValidRegistration(
        email="ana@correo.com",
        email_key="ana@correo.com",
        given_names="Ana",
        surnames="Quispe",
        id_type=id_type,  # type: ignore[arg-type]
        id_number=id_number,
        password="irrelevant-here",
    )
    return User.register("u1", form, "hash", T0, POLICY, PORTAL)


def mail(event: domain.LinkRequested, reason: str) -> TokenMailData:
    return TokenMailData(
        user_id="u1",
        email="ana@correo.com",
        given_names="Ana",
        surnames="Quispe",
        token=event.token,
        link=event.link,
        expires_at=event.expires_at,
        reason=reason,  # type: ignore[arg-type]
    )


def test_registration_publishes_the_profile_without_any_token() -> None:
    registered, activation = map(to_wire, new_user().events)
    assert isinstance(registered, UserRegistered)
    assert registered.topic == "identity.user-registered" and registered.key() == "u1"
    assert registered.data == UserProfile(
        user_id="u1",
        email="ana@correo.com",
        given_names="Ana",
        surnames="Quispe",
        id_type="cedula",
        id_number="1714307103",
    )
    assert "token" not in registered.model_dump_json()  # tokens only on their own topic
    assert isinstance(activation, ActivationRequested) and activation.sensitive
    assert activation.topic == "identity.activation-requested"


def test_passport_holders_keep_their_id_type() -> None:
    registered = to_wire(new_user("passport", "AB12345").events[0])
    assert isinstance(registered, UserRegistered)
    assert (registered.data.id_type, registered.data.id_number) == ("passport", "AB12345")


def test_activation_link_payload() -> None:
    event = new_user().events[1]
    assert isinstance(event, domain.ActivationRequested)
    wire = to_wire(event)
    assert isinstance(wire, ActivationRequested)
    assert wire.data == mail(event, "registration")
    assert wire.data.link == f"{PORTAL}/activar?token={event.token}"
    assert wire.data.expires_at == T0 + timedelta(hours=24)


def test_reset_link_payload() -> None:
    user = new_user()
    user.request_password_reset(T0 + timedelta(minutes=5), POLICY, PORTAL)
    event = user.events[-1]
    assert isinstance(event, domain.PasswordResetRequested)
    wire = to_wire(event)
    assert isinstance(wire, PasswordResetRequested) and wire.sensitive
    assert wire.topic == "identity.password-reset-requested"
    assert wire.data == mail(event, "password_reset")
    assert wire.data.link.startswith(f"{PORTAL}/restablecer?token=")


def test_activated_payload() -> None:
    user = new_user()
    token = user.events[1]
    assert isinstance(token, domain.ActivationRequested)
    user.events.clear()
    user.activate(token.token, T0 + timedelta(hours=1))
    wire = to_wire(user.events[0])
    assert isinstance(wire, UserActivated) and wire.topic == "identity.user-activated"
    assert wire.data == UserActivatedData(
        user_id="u1", email="ana@correo.com", activated_at=T0 + timedelta(hours=1)
    )


def test_locked_out_payload() -> None:
    user = new_user()
    user.events.clear()
    user.locked_out(5, T0 + timedelta(seconds=30))
    wire = to_wire(user.events[-1])
    assert isinstance(wire, UserLockedOut) and wire.topic == "identity.user-locked-out"
    assert wire.data == UserLockedOutData(
        user_id="u1", failed_attempts=5, locked_until=T0 + timedelta(seconds=30)
    )


def test_outbox_entry_shape() -> None:
    entry = to_wire(new_user().events[0]).to_document()
    assert set(entry) == {"event_id", "topic", "key", "headers", "payload"}
    payload = json.loads(entry["payload"])
    assert (
        payload["event_type"] == "identity.user_registered" and payload["data"]["user_id"] == "u1"
    )
    assert entry["headers"]["ce_source"] == "/identity"
