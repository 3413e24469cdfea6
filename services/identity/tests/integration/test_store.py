"""The stores on the real FerretDB: uniqueness, the version check, the outbox in the same write,
token lookups, single-use refresh tokens and captchas, session revocation."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common.database import Database
from identity.adapters.store import (
    USERS,
    CaptchaStore,
    SessionStore,
    UserStore,
)
from identity.domain.lockout import plan_attempt
from identity.domain.policy import Policy
from identity.domain.sessions import RefreshToken, SessionFamily
from identity.domain.tokens import hash_secret
from identity.domain.users import Status, User
from identity.domain.validation import ValidRegistration
from identity.ports import ConcurrentUpdate, DuplicateUser
from services.identity.tests.integration.conftest import Woken
from tests.support import make_cedula

NOW = datetime.now(UTC).replace(microsecond=0)  # MongoDB keeps milliseconds
POLICY = Policy()


def new_user(email: str | None = None, id_number: str | None = None) -> User:
    email = email or f"ana.{uuid.uuid4().hex[:10]}@correo.com"
    form = ValidRegistration(
        email=email,
        email_key=email.casefold(),
        given_names="Ana",
        surnames="Quispe",
        id_type="cedula",
        id_number=id_number or make_cedula(),
        password="irrelevant",
    )
    return User.register(uuid.uuid4().hex, form, "hash", NOW, POLICY, "http://portal.test")


def operator(email: str) -> User:
    return User(uuid.uuid4().hex, email, email, "Op", "Demo", None, None, "hash", NOW)


async def test_a_user_round_trips_with_its_events_in_the_same_write(
    database: Database, woken: Woken
) -> None:
    users = UserStore(database)
    user = new_user()
    token = user.events[1].token  # type: ignore[union-attr]
    await users.add(user)
    assert user.version == 1 and user.events == []
    assert (USERS, user.user_id) in woken  # the relay is told at once
    stored = await users.by_id(user.user_id)
    assert stored == user
    assert await users.by_email_key(user.email_key) == user
    assert await users.by_token("activation_tokens", hash_secret(token)) == user
    assert await users.by_token("reset_tokens", hash_secret(token)) is None
    doc = await database.raw(USERS).find_one({"_id": user.user_id})
    assert doc["id_key"] == f"cedula:{user.id_number}"
    topics = [entry["topic"] for entry in doc["outbox"]]
    assert topics == ["identity.user-registered", "identity.activation-requested"]
    payload = json.loads(doc["outbox"][1]["payload"])
    assert payload["data"]["token"] == token and doc["outbox"][1]["key"] == user.user_id


async def test_email_and_id_number_are_unique(database: Database) -> None:
    users = UserStore(database)
    first = new_user()
    await users.add(first)
    with pytest.raises(DuplicateUser) as email:
        await users.add(new_user(email=first.email_key))
    assert email.value.field == "email"
    with pytest.raises(DuplicateUser) as id_number:
        await users.add(new_user(id_number=first.id_number))
    assert id_number.value.field == "id_number"


async def test_operators_without_an_id_number_do_not_collide(database: Database) -> None:
    users = UserStore(database)
    for _ in range(2):
        await users.add(operator(f"op.{uuid.uuid4().hex[:10]}@demo.ec"))


async def test_save_checks_the_version_and_pushes_new_events(
    database: Database, woken: Woken
) -> None:
    users = UserStore(database)
    user = new_user()
    await users.add(user)
    mine, theirs = await users.by_id(user.user_id), await users.by_id(user.user_id)
    assert mine is not None and theirs is not None
    theirs.given_names = "Ana Lucía"
    await users.save(theirs)
    mine.request_password_reset(NOW, POLICY, "http://portal.test")
    with pytest.raises(ConcurrentUpdate):
        await users.save(mine)
    fresh = await users.by_id(user.user_id)
    assert fresh is not None and fresh.version == 2 and fresh.given_names == "Ana Lucía"
    woken.clear()
    fresh.request_password_reset(NOW, POLICY, "http://portal.test")
    reset_token = fresh.events[-1].token  # type: ignore[union-attr]
    await users.save(fresh)
    assert woken == [(USERS, user.user_id)] and fresh.version == 3
    assert await users.by_token("reset_tokens", hash_secret(reset_token)) == fresh
    doc = await database.raw(USERS).find_one({"_id": user.user_id})
    assert [e["topic"] for e in doc["outbox"]][-1] == "identity.password-reset-requested"
    fresh.status = Status.ACTIVE
    woken.clear()
    await users.save(fresh)  # no events: nothing for the relay
    assert woken == []


async def test_login_attempts_are_counted_in_their_own_atomic_writes(database: Database) -> None:
    users = UserStore(database)
    user = new_user()
    await users.add(user)
    below = plan_attempt(0, None, NOW, POLICY)
    assert below is not None and below.lock_until is None
    assert [await users.count_attempt(user.user_id, below, NOW) for _ in range(5)] == [
        1,
        2,
        3,
        4,
        None,  # out of the plan's range: the caller plans again
    ]
    stale = await users.by_id(user.user_id)
    assert stale is not None and stale.failed_logins == 4
    locking = plan_attempt(4, None, NOW, POLICY)
    assert locking is not None and locking.lock_until is not None
    assert await users.count_attempt(user.user_id, locking, NOW) == 5
    assert await users.count_attempt(user.user_id, locking, NOW) is None  # locked now
    locked = await users.by_id(user.user_id)
    assert locked is not None and locked.locked_until == locking.lock_until
    # A save of a user loaded before never undoes a count or a lock.
    stale.given_names = "Ana Lucía"
    await users.save(stale)
    kept = await users.by_id(user.user_id)
    assert kept is not None and (kept.failed_logins, kept.locked_until) == (5, locking.lock_until)
    # A right password: only this attempt's own lock may be released.
    assert not await users.release_attempts(user.user_id, NOW, None)
    assert await users.release_attempts(user.user_id, NOW, locking.lock_until)
    cleared = await users.by_id(user.user_id)
    assert cleared is not None and (cleared.failed_logins, cleared.locked_until) == (0, None)


async def test_refresh_tokens_are_single_use_and_sessions_revoke(database: Database) -> None:
    sessions = SessionStore(database)
    user_id = uuid.uuid4().hex
    families = [SessionFamily(uuid.uuid4().hex, user_id, NOW) for _ in range(2)]
    tokens = [
        RefreshToken(uuid.uuid4().hex, f.family_id, user_id, NOW + timedelta(days=30))
        for f in families
    ]
    for family, token in zip(families, tokens, strict=True):
        await sessions.start(family, token)
    assert await sessions.token(tokens[0].token_hash) == tokens[0]
    assert await sessions.family(families[0].family_id) == families[0]
    assert await sessions.use_token(tokens[0].token_hash, NOW)
    assert not await sessions.use_token(tokens[0].token_hash, NOW)  # a reuse
    used = await sessions.token(tokens[0].token_hash)
    assert used is not None and used.used_at == NOW
    await sessions.revoke_family(families[0].family_id, "someone-else", NOW, "logout")
    assert (await sessions.family(families[0].family_id)) == families[0]  # not their session
    await sessions.revoke_family(families[0].family_id, user_id, NOW, "logout")
    await sessions.revoke_family(
        families[0].family_id, user_id, NOW + timedelta(hours=1), "operator"
    )
    revoked = await sessions.family(families[0].family_id)
    assert revoked is not None and (revoked.revoked_at, revoked.revoked_reason) == (NOW, "logout")
    await sessions.revoke_all(user_id, NOW, "password_reset")
    other = await sessions.family(families[1].family_id)
    assert other is not None and other.revoked_reason == "password_reset"
    assert (await sessions.family(families[0].family_id)) == revoked  # first reason kept
    # Each revoking write carried its SessionsRevoked into the session's outbox.
    outboxes = {
        doc["_id"]: [entry["topic"] for entry in doc.get("outbox", [])]
        async for doc in database["sessions"].find({"user_id": user_id})
    }
    assert outboxes == {
        families[0].family_id: ["identity.sessions-revoked"],
        families[1].family_id: ["identity.sessions-revoked"],
    }


async def test_expired_refresh_tokens_and_dead_sessions_are_cleaned_up(
    database: Database,
) -> None:
    sessions = SessionStore(database)
    dead, alive = (SessionFamily(uuid.uuid4().hex, "u", NOW - timedelta(days=40)) for _ in "ab")
    old = RefreshToken(uuid.uuid4().hex, dead.family_id, "u", NOW - timedelta(seconds=1))
    await sessions.start(dead, old)
    first = RefreshToken(uuid.uuid4().hex, alive.family_id, "u", NOW - timedelta(seconds=1))
    await sessions.start(alive, first)
    new = RefreshToken(uuid.uuid4().hex, alive.family_id, "u", NOW + timedelta(seconds=1))
    await sessions.add_token(new)  # a refresh keeps the family alive
    # A family written before families kept their expiry: it goes once older than the TTL.
    legacy = uuid.uuid4().hex
    await database.raw("sessions").insert_one(
        {"_id": legacy, "user_id": "u", "created_at": NOW - timedelta(days=31), "revoked_at": None}
    )
    await sessions.delete_expired(NOW, created_before=NOW - timedelta(days=30))
    assert await sessions.token(old.token_hash) is None
    assert await sessions.token(new.token_hash) == new
    assert await sessions.family(dead.family_id) is None
    assert await sessions.family(legacy) is None
    assert await sessions.family(alive.family_id) == alive


async def test_a_captcha_is_consumed_once_and_expires(database: Database) -> None:
    captchas = CaptchaStore(database)
    live, expired = uuid.uuid4().hex, uuid.uuid4().hex
    await captchas.add(live, "h1", NOW + timedelta(minutes=5))
    await captchas.add(expired, "h3", NOW - timedelta(seconds=1))
    assert not await captchas.set_audio_answer(expired, "a0", NOW, 3)
    for audio in ("a1", "a2"):
        assert await captchas.set_audio_answer(live, audio, NOW, 2)
    assert not await captchas.set_audio_answer(live, "a3", NOW, 2)  # two audios at most
    assert await captchas.consume(live, NOW) == ["h1", "a2"]  # the latest audio's answer
    assert await captchas.consume(live, NOW) is None  # single use, whatever the answer was
    assert await captchas.consume(expired, NOW) is None
    assert await captchas.consume("unknown", NOW) is None
    await captchas.delete_expired(NOW)
    assert await database.raw("captchas").find_one({"_id": expired}) is None
    assert await database.raw("captchas").find_one({"_id": live}) is not None
