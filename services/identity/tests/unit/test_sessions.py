"""Use cases on fakes: login with lockout and rehash, refresh rotation and reuse, logout, me."""

import asyncio
from datetime import timedelta
from typing import Any

import jwt
import pytest

from common.auth import AUDIENCE, ISSUER
from identity.bootstrap import Identity
from identity.domain.events import UserLockedOut
from identity.use_cases.activation import activate
from identity.use_cases.profile import me
from identity.use_cases.sessions import Tokens, check_session, login, logout, refresh
from services.identity.tests.unit.fakes import (
    KEY,
    PASSWORD,
    FakePasswords,
    Fakes,
    active_user,
    refusal,
    sign_up,
)

EMAIL = "ana@correo.com"
BAD = (
    401,
    "invalid_credentials",
    "Correo electrónico o contraseña incorrectos. Después de varios intentos fallidos, "
    "espera unos minutos antes de intentarlo nuevamente.",
    None,
)
SESSION = (
    401,
    "unauthorized",
    "Tu sesión no es válida o expiró. Inicia sesión nuevamente.",
    {"WWW-Authenticate": "Bearer"},
)


def claims(tokens: Tokens) -> dict[str, Any]:
    # Times are the fake clock's: the tests check them, not the real clock.
    unchecked = {"verify_exp": False, "verify_iat": False}
    key, token = KEY.public_key, tokens.access_token
    return dict(jwt.decode(token, key, ["EdDSA"], unchecked, audience=AUDIENCE, issuer=ISSUER))


async def test_login_signs_an_access_token_and_starts_a_session(
    svc: Identity, fakes: Fakes
) -> None:
    user = await active_user(svc)
    tokens = await login(svc, "  ANA@correo.com", PASSWORD, fakes.clock())
    assert tokens.expires_in == 900 and len(tokens.refresh_token) >= 43
    access = claims(tokens)
    assert access["sub"] == user.user_id and access["roles"] == ["customer"]
    assert access["exp"] == access["iat"] + 900 == int(fakes.clock().timestamp()) + 900
    [family] = fakes.sessions.families.values()
    assert access["sid"] == family.family_id and family.user_id == user.user_id
    [token] = fakes.sessions.tokens.values()
    assert token.expires_at == fakes.clock() + timedelta(days=30)


async def test_wrong_password_and_unknown_email_get_the_same_401(
    svc: Identity, fakes: Fakes
) -> None:
    await active_user(svc)
    for email, password in [(EMAIL, "no-es-la-clave-123"), ("nadie@correo.com", PASSWORD)]:
        refused = await refusal(login(svc, email, password, fakes.clock()))
        assert (refused.status, refused.code, refused.message, refused.headers) == BAD


async def test_an_account_not_yet_active_is_403(svc: Identity, fakes: Fakes) -> None:
    await sign_up(svc)
    refused = await refusal(login(svc, EMAIL, PASSWORD, fakes.clock()))
    assert (refused.status, refused.code) == (403, "account_not_active")
    assert refused.message == (
        "Tu cuenta aún no está activada. Revisa tu correo y da clic en «Activar Cuenta»."
    )


async def test_five_failures_lock_with_a_growing_backoff(svc: Identity, fakes: Fakes) -> None:
    user = await active_user(svc)
    for n in range(5):
        refused = await refusal(login(svc, EMAIL, f"equivocada-{n}-xyz", fakes.clock()))
        assert refused.code == "invalid_credentials"
    assert fakes.users.events_of(UserLockedOut)[-1].failed_attempts == 5
    stored = fakes.users.rows[user.user_id]
    assert stored.locked_until == fakes.clock() + timedelta(seconds=30)
    # Locked: even the right password gets the answer an unknown email gets.
    locked = await refusal(login(svc, EMAIL, PASSWORD, fakes.clock.advance(seconds=29.5)))
    unknown = await refusal(login(svc, "nadie@correo.com", PASSWORD, fakes.clock()))
    assert (locked.status, locked.code, locked.message, locked.headers) == BAD
    assert (unknown.status, unknown.code, unknown.message, unknown.headers) == BAD
    # After the lock, one more failure locks again, twice as long.
    fakes.clock.advance(seconds=0.5)
    await refusal(login(svc, EMAIL, "equivocada-5-xyz", fakes.clock()))
    assert fakes.users.rows[user.user_id].locked_until == fakes.clock() + timedelta(seconds=60)
    assert fakes.users.events_of(UserLockedOut)[-1].failed_attempts == 6
    await refusal(login(svc, EMAIL, PASSWORD, fakes.clock.advance(seconds=59)))
    fakes.clock.advance(seconds=1)
    await login(svc, EMAIL, PASSWORD, fakes.clock())
    stored = fakes.users.rows[user.user_id]
    assert stored.failed_logins == 0 and stored.locked_until is None


class CountingPasswords(FakePasswords):
    """Yields to the loop while "checking", as Argon2 in a thread does; counts real checks."""

    def __init__(self) -> None:
        self.checked = 0

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is not None:
            self.checked += 1
        await asyncio.sleep(0.001)
        return await super().verify(password_hash, password)


async def test_parallel_guesses_are_counted_before_they_are_checked(fakes: Fakes) -> None:
    fakes.passwords = counting = CountingPasswords()
    svc = fakes.service()
    user = await active_user(svc)
    guesses = [login(svc, EMAIL, f"equivocada-{n}-xyz", fakes.clock()) for n in range(50)]
    refused = await asyncio.gather(*(refusal(g) for g in guesses))
    assert {r.code for r in refused} == {"invalid_credentials"}
    assert counting.checked == svc.policy.lockout_threshold
    assert fakes.users.rows[user.user_id].is_locked(fakes.clock())
    assert len(fakes.users.events_of(UserLockedOut)) == 1
    assert (await refusal(login(svc, EMAIL, PASSWORD, fakes.clock()))).status == 401
    assert counting.checked == svc.policy.lockout_threshold  # not even checked


async def test_a_right_password_checked_while_others_locked_the_account_is_refused(
    svc: Identity, fakes: Fakes
) -> None:
    user = await active_user(svc)
    release = fakes.users.release_attempts

    async def locked_meanwhile(user_id: str, now: Any, own_lock: Any) -> bool:
        fakes.users.rows[user_id].locked_until = now + timedelta(seconds=30)
        return await release(user_id, now, own_lock)

    fakes.users.release_attempts = locked_meanwhile  # type: ignore[method-assign]
    refused = await refusal(login(svc, EMAIL, PASSWORD, fakes.clock()))
    assert refused.status == 401 and fakes.sessions.families == {}
    assert fakes.users.rows[user.user_id].is_locked(fakes.clock())


async def test_a_stale_hash_is_replaced_at_login(svc: Identity, fakes: Fakes) -> None:
    user = await active_user(svc)
    fakes.users.rows[user.user_id].password_hash = "v1$" + PASSWORD
    saves = fakes.users.saves
    await login(svc, EMAIL, PASSWORD, fakes.clock())
    assert fakes.users.rows[user.user_id].password_hash == "v2$" + PASSWORD
    await login(svc, EMAIL, PASSWORD, fakes.clock())
    assert fakes.users.saves == saves + 1  # a current hash: nothing to save


async def test_refresh_rotates_and_reuse_revokes_the_family(svc: Identity, fakes: Fakes) -> None:
    await active_user(svc)
    first = await login(svc, EMAIL, PASSWORD, fakes.clock())
    second = await refresh(svc, first.refresh_token, fakes.clock.advance(minutes=1))
    assert second.refresh_token != first.refresh_token
    assert claims(second)["sid"] == claims(first)["sid"]
    reuse = await refusal(refresh(svc, first.refresh_token, fakes.clock()))
    assert (reuse.status, reuse.code, reuse.message, reuse.headers) == SESSION
    [family] = fakes.sessions.families.values()
    assert family.revoked_reason == "refresh_reuse"
    assert [e.session_ids for e in fakes.sessions.published] == [(family.family_id,)]
    dead = await refusal(refresh(svc, second.refresh_token, fakes.clock()))
    assert dead.status == 401
    await refusal(check_session(svc, family.family_id))
    # Another login starts a fresh family.
    fresh = await login(svc, EMAIL, PASSWORD, fakes.clock())
    await check_session(svc, str(claims(fresh)["sid"]))


async def test_a_token_used_by_a_concurrent_request_counts_as_reuse(
    svc: Identity, fakes: Fakes
) -> None:
    await active_user(svc)
    tokens = await login(svc, EMAIL, PASSWORD, fakes.clock())
    fakes.sessions.lose_next_race = True
    assert (await refusal(refresh(svc, tokens.refresh_token, fakes.clock()))).status == 401
    [family] = fakes.sessions.families.values()
    assert family.revoked_reason == "refresh_reuse"


@pytest.mark.parametrize("days", [30, 31])
async def test_expired_or_unknown_refresh_tokens_are_401(
    svc: Identity, fakes: Fakes, days: int
) -> None:
    await active_user(svc)
    tokens = await login(svc, EMAIL, PASSWORD, fakes.clock())
    late = fakes.clock.advance(days=days)
    for token in (tokens.refresh_token, "unknown"):
        refused = await refusal(refresh(svc, token, late))
        assert (refused.status, refused.code, refused.message, refused.headers) == SESSION
    [family] = fakes.sessions.families.values()
    assert family.revoked_at is None  # expiry is not theft


async def test_logout_ends_the_session(svc: Identity, fakes: Fakes) -> None:
    await active_user(svc)
    tokens = await login(svc, EMAIL, PASSWORD, fakes.clock())
    sid = str(claims(tokens)["sid"])
    await check_session(svc, sid)
    user_id = str(claims(tokens)["sub"])
    await logout(svc, "another-user", sid, fakes.clock())  # only the session's own user
    assert fakes.sessions.families[sid].revoked_at is None
    await logout(svc, user_id, sid, fakes.clock())
    assert fakes.sessions.families[sid].revoked_reason == "logout"
    refused = await refusal(check_session(svc, sid))
    assert (refused.status, refused.code, refused.message, refused.headers) == SESSION
    assert (await refusal(refresh(svc, tokens.refresh_token, fakes.clock()))).status == 401
    assert (await refusal(check_session(svc, None))).status == 401


async def test_me_is_the_signed_in_user(svc: Identity, fakes: Fakes) -> None:
    user = await active_user(svc)
    assert (await me(svc, user.user_id)).email == EMAIL
    refused = await refusal(me(svc, "gone"))
    assert (refused.status, refused.code, refused.message, refused.headers) == SESSION


async def test_refresh_needs_an_active_user(svc: Identity, fakes: Fakes) -> None:
    user = await active_user(svc)
    tokens = await login(svc, EMAIL, PASSWORD, fakes.clock())
    del fakes.users.rows[user.user_id]
    assert (await refusal(refresh(svc, tokens.refresh_token, fakes.clock()))).status == 401


async def test_activation_of_the_user_is_needed_only_once(svc: Identity, fakes: Fakes) -> None:
    _, token = await sign_up(svc)
    await activate(svc, token, fakes.clock())
    await login(svc, EMAIL, PASSWORD, fakes.clock())
