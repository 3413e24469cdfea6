"""Use cases on fakes: activation, resend, password reset, and the load-change-save retry."""

import pytest

from common.errors import ApiError, Conflict
from identity.bootstrap import Identity
from identity.domain.events import (
    ActivationRequested,
    PasswordResetRequested,
    SessionsRevoked,
    UserActivated,
)
from identity.domain.users import Status
from identity.use_cases._retry import ATTEMPTS, change_user
from identity.use_cases.activation import activate, resend_activation
from identity.use_cases.password_reset import confirm_password_reset, request_password_reset
from identity.use_cases.sessions import login
from services.identity.tests.unit.fakes import (
    PASSWORD,
    Fakes,
    active_user,
    link_token,
    refusal,
    sign_up,
    solved,
)

NEW_PASSWORD = "Pichincha-Rucu-4698"
USED = (410, "token_used", "Este enlace ya fue usado.")
EXPIRED = (410, "token_expired", "El enlace expiró. Solicita uno nuevo.")
UNKNOWN = (404, "token_not_found", "El enlace no es válido. Revisa que esté completo.")


def answer(error: ApiError) -> tuple[int, str, str]:
    return (error.status, error.code, error.message)


async def test_activation_is_single_use(svc: Identity, fakes: Fakes) -> None:
    user, token = await sign_up(svc)
    activated = await activate(svc, token, fakes.clock.advance(hours=1))
    assert activated.status is Status.ACTIVE
    assert fakes.users.rows[user.user_id].activated_at == fakes.clock()
    assert isinstance(fakes.users.outbox[-1], UserActivated)
    assert answer(await refusal(activate(svc, token, fakes.clock()))) == USED


async def test_activation_link_expires_and_unknown_links(svc: Identity, fakes: Fakes) -> None:
    _, token = await sign_up(svc)
    late = fakes.clock.advance(hours=24)
    assert answer(await refusal(activate(svc, token, late))) == EXPIRED
    assert answer(await refusal(activate(svc, "x" * 43, late))) == UNKNOWN


async def test_activation_retries_when_someone_saved_the_user_meanwhile(
    svc: Identity, fakes: Fakes
) -> None:
    user, token = await sign_up(svc)
    fakes.users.conflicts = 2
    await activate(svc, token, fakes.clock())
    assert fakes.users.rows[user.user_id].status is Status.ACTIVE
    assert len([e for e in fakes.users.outbox if isinstance(e, UserActivated)]) == 1


async def test_the_retry_gives_up_with_409(svc: Identity, fakes: Fakes) -> None:
    user, _ = await sign_up(svc)
    fakes.users.conflicts = ATTEMPTS
    refused = await refusal(
        change_user(svc.users, lambda: svc.users.by_id(user.user_id), lambda u: None)
    )
    assert isinstance(refused, Conflict)
    assert (refused.code, refused.message) == (
        "conflict",
        "La cuenta está siendo modificada. Intenta nuevamente.",
    )


async def test_resend_respects_the_cooldown_and_says_nothing(svc: Identity, fakes: Fakes) -> None:
    await sign_up(svc)
    await resend_activation(
        svc, "nadie@correo.com", *await solved(svc), fakes.clock()
    )  # unknown: no error
    await resend_activation(
        svc, "ana@correo.com", *await solved(svc), fakes.clock.advance(seconds=59)
    )
    assert len(fakes.users.events_of(ActivationRequested)) == 1  # within the cooldown
    await resend_activation(
        svc, " ANA@correo.com ", *await solved(svc), fakes.clock.advance(seconds=1)
    )
    first, resent = fakes.users.events_of(ActivationRequested)
    assert resent.reason == "resend" and resent.token != first.token
    # The superseded link now counts as used.
    assert answer(await refusal(activate(svc, first.token, fakes.clock()))) == USED
    await activate(svc, resent.token, fakes.clock())


async def test_no_resend_once_active(svc: Identity, fakes: Fakes) -> None:
    await active_user(svc)
    fakes.clock.advance(hours=1)
    await resend_activation(svc, "ana@correo.com", *await solved(svc), fakes.clock())
    assert len(fakes.users.events_of(ActivationRequested)) == 1


async def test_password_reset_changes_the_password_and_ends_every_session(
    svc: Identity, fakes: Fakes
) -> None:
    user = await active_user(svc)
    await login(svc, "ana@correo.com", PASSWORD, fakes.clock())
    await login(svc, "ana@correo.com", PASSWORD, fakes.clock())
    await request_password_reset(
        svc, "nadie@correo.com", *await solved(svc), fakes.clock()
    )  # unknown: silent
    await request_password_reset(svc, "ana@correo.com", *await solved(svc), fakes.clock())
    [event] = fakes.users.events_of(PasswordResetRequested)
    assert event.link == f"http://portal.test/restablecer?token={event.token}"
    token = link_token(svc)
    now = fakes.clock.advance(minutes=5)
    await confirm_password_reset(svc, token, NEW_PASSWORD, NEW_PASSWORD, now)
    assert fakes.users.rows[user.user_id].password_hash == "v2$" + NEW_PASSWORD
    families = fakes.sessions.families.values()
    assert len(families) == 2
    assert all((f.revoked_at, f.revoked_reason) == (now, "password_reset") for f in families)
    # Announced once for the user: every session started before now.
    assert fakes.sessions.published == [SessionsRevoked(user.user_id, (), now, "password_reset")]
    again = await refusal(confirm_password_reset(svc, token, NEW_PASSWORD, NEW_PASSWORD, now))
    assert answer(again) == USED


async def test_a_reset_clears_failed_logins_and_the_lock(svc: Identity, fakes: Fakes) -> None:
    user = await active_user(svc)
    for n in range(5):
        await refusal(login(svc, "ana@correo.com", f"equivocada-{n}-xyz", fakes.clock()))
    assert fakes.users.rows[user.user_id].is_locked(fakes.clock())
    await request_password_reset(svc, "ana@correo.com", *await solved(svc), fakes.clock())
    await confirm_password_reset(svc, link_token(svc), NEW_PASSWORD, NEW_PASSWORD, fakes.clock())
    stored = fakes.users.rows[user.user_id]
    assert stored.failed_logins == 0 and not stored.is_locked(fakes.clock())
    await login(svc, "ana@correo.com", NEW_PASSWORD, fakes.clock())


@pytest.mark.parametrize(
    ("password", "confirmation", "fields"),
    [
        ("corta", "corta", {"password": "La contraseña debe tener al menos 10 caracteres."}),
        (
            "Clave-1714307103",
            "Clave-1714307103",
            {"password": "La contraseña no puede contener tu número de identificación."},
        ),
        (NEW_PASSWORD, "otra", {"password_confirmation": "Las contraseñas no coinciden."}),
    ],
)
async def test_reset_refuses_a_weak_or_mismatched_password(
    svc: Identity, fakes: Fakes, password: str, confirmation: str, fields: dict[str, str]
) -> None:
    await active_user(svc)
    await request_password_reset(svc, "ana@correo.com", *await solved(svc), fakes.clock())
    token = link_token(svc)
    refused = await refusal(
        confirm_password_reset(svc, token, password, confirmation, fakes.clock())
    )
    assert (refused.status, refused.code, refused.fields) == (422, "validation_error", fields)
    # The link was not used up.
    await confirm_password_reset(svc, token, NEW_PASSWORD, NEW_PASSWORD, fakes.clock())


async def test_reset_link_unknown_or_expired(svc: Identity, fakes: Fakes) -> None:
    await active_user(svc)
    await request_password_reset(svc, "ana@correo.com", *await solved(svc), fakes.clock())
    token = link_token(svc)
    unknown = await refusal(
        confirm_password_reset(svc, "nope", NEW_PASSWORD, NEW_PASSWORD, fakes.clock())
    )
    assert answer(unknown) == UNKNOWN
    late = fakes.clock.advance(hours=1)
    expired = await refusal(confirm_password_reset(svc, token, NEW_PASSWORD, NEW_PASSWORD, late))
    assert answer(expired) == EXPIRED
