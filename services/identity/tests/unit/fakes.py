"""In-memory stand-ins for identity's ports (``identity/ports.py``), with the stores' semantics:
a version check on save, unique email and identification number, single-use tokens and
captchas. Use cases and routes run on them in milliseconds, nothing connects."""

import copy
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from common.errors import ApiError
from identity.adapters.signing import KeyRing, SigningKey
from identity.app import build
from identity.bootstrap import Identity, bootstrap
from identity.domain.captchas import Challenge
from identity.domain.events import DomainEvent, RevocationReason, SessionsRevoked
from identity.domain.lockout import AttemptPlan
from identity.domain.sessions import RefreshToken, SessionFamily
from identity.domain.users import User
from identity.domain.validation import RegistrationForm
from identity.ports import ConcurrentUpdate, DuplicateUser, TokenList, VoiceUnavailable
from identity.settings import IdentitySettings
from identity.use_cases import activation, registration
from identity.use_cases.captchas import create_captcha

# Fixed for the run, but today: common.auth's verifier checks "exp" against the real clock.
T0 = datetime.now(UTC).replace(microsecond=0)
PORTAL = "http://portal.test"
TEST_ANSWER = "prueba-unit"
SETTINGS = IdentitySettings(
    app_env="test",
    captcha_test_answer=TEST_ANSWER,
    portal_base_url=PORTAL,
    operator_email=None,
    operator_password=None,
)


class FakeUsers:
    """Users by id; what ``add``/``save`` were handed as events lands in ``outbox``."""

    def __init__(self) -> None:
        self.rows: dict[str, User] = {}
        self.outbox: list[DomainEvent] = []
        # The next saves find the user changed by "someone else" (ConcurrentUpdate).
        self.conflicts = 0
        self.saves = 0

    async def add(self, user: User) -> None:
        for other in self.rows.values():
            if other.email_key == user.email_key:
                raise DuplicateUser("email")
            if user.id_number and (other.id_type, other.id_number) == (
                user.id_type,
                user.id_number,
            ):
                raise DuplicateUser("id_number")
        self.outbox += user.events
        user.version, user.events = 1, []
        self.rows[user.user_id] = copy.deepcopy(user)

    async def save(self, user: User) -> None:
        stored = self.rows[user.user_id]
        if self.conflicts:
            self.conflicts -= 1
            stored.version += 1
        if stored.version != user.version:
            raise ConcurrentUpdate(user.user_id)
        self.saves += 1
        self.outbox += user.events
        user.version, user.events = user.version + 1, []
        # Like the store: the login-attempt fields are written by their own atomic writes only.
        saved = copy.deepcopy(user)
        saved.failed_logins, saved.locked_until = stored.failed_logins, stored.locked_until
        self.rows[user.user_id] = saved

    async def by_id(self, user_id: str) -> User | None:
        return copy.deepcopy(self.rows.get(user_id))

    async def by_email_key(self, key: str) -> User | None:
        return self._one(lambda u: u.email_key == key)

    async def by_token(self, kind: TokenList, token_hash: str) -> User | None:
        return self._one(lambda u: any(t.token_hash == token_hash for t in getattr(u, kind)))

    async def count_attempt(self, user_id: str, plan: AttemptPlan, now: datetime) -> int | None:
        stored = self.rows.get(user_id)
        if stored is None or stored.is_locked(now):
            return None
        if not plan.lowest <= stored.failed_logins <= plan.highest:
            return None
        stored.failed_logins += 1
        if plan.lock_until is not None:
            stored.locked_until = plan.lock_until
        return stored.failed_logins

    async def release_attempts(
        self, user_id: str, now: datetime, own_lock: datetime | None
    ) -> bool:
        stored = self.rows[user_id]
        if stored.is_locked(now) and stored.locked_until != own_lock:
            return False
        stored.failed_logins, stored.locked_until = 0, None
        return True

    async def clear_attempts(self, user_id: str) -> None:
        self.rows[user_id].failed_logins, self.rows[user_id].locked_until = 0, None

    def _one(self, match: Any) -> User | None:
        found = next((u for u in self.rows.values() if match(u)), None)
        return copy.deepcopy(found)

    def events_of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.outbox if isinstance(e, kind)]


class FakeSessions:
    def __init__(self) -> None:
        self.families: dict[str, SessionFamily] = {}
        self.tokens: dict[str, RefreshToken] = {}
        self.published: list[SessionsRevoked] = []
        # Another request uses the next presented token first (the race use_token guards).
        self.lose_next_race = False

    async def start(self, family: SessionFamily, token: RefreshToken) -> None:
        self.families[family.family_id] = family
        await self.add_token(token)

    async def add_token(self, token: RefreshToken) -> None:
        self.tokens[token.token_hash] = token

    async def token(self, token_hash: str) -> RefreshToken | None:
        return self.tokens.get(token_hash)

    async def family(self, family_id: str) -> SessionFamily | None:
        return self.families.get(family_id)

    async def use_token(self, token_hash: str, now: datetime) -> bool:
        token = self.tokens.get(token_hash)
        if token is None or token.used_at is not None or self.lose_next_race:
            self.lose_next_race = False
            return False
        self.tokens[token_hash] = replace(token, used_at=now)
        return True

    async def revoke_family(
        self, family_id: str, user_id: str, now: datetime, reason: RevocationReason
    ) -> None:
        family = self.families.get(family_id)
        if family is not None and family.user_id == user_id and family.revoked_at is None:
            self.families[family_id] = replace(family, revoked_at=now, revoked_reason=reason)
            self.published.append(SessionsRevoked(user_id, (family_id,), None, reason))

    async def revoke_all(self, user_id: str, now: datetime, reason: RevocationReason) -> None:
        alive = [f for f in self.families.values() if f.user_id == user_id and f.revoked_at is None]
        for family in alive:
            self.families[family.family_id] = replace(family, revoked_at=now, revoked_reason=reason)
        if alive:
            self.published.append(SessionsRevoked(user_id, (), now, reason))

    async def delete_expired(self, now: datetime, created_before: datetime) -> None:
        self.tokens = {h: t for h, t in self.tokens.items() if t.expires_at >= now}
        alive = {t.family_id for t in self.tokens.values()}
        self.families = {f: fam for f, fam in self.families.items() if f in alive}


@dataclass
class StoredCaptcha:
    answer_hash: str
    expires_at: datetime
    used: bool = False
    audio_hash: str | None = None
    audios: int = 0


class FakeCaptchas:
    def __init__(self) -> None:
        self.rows: dict[str, StoredCaptcha] = {}

    async def add(self, captcha_id: str, answer_hash: str, expires_at: datetime) -> None:
        self.rows[captcha_id] = StoredCaptcha(answer_hash, expires_at)

    async def set_audio_answer(
        self, captcha_id: str, answer_hash: str, now: datetime, most: int
    ) -> bool:
        row = self.rows.get(captcha_id)
        if row is None or row.used or row.expires_at <= now or row.audios >= most:
            return False
        row.audio_hash, row.audios = answer_hash, row.audios + 1
        return True

    async def consume(self, captcha_id: str, now: datetime) -> list[str] | None:
        row = self.rows.get(captcha_id)
        if row is None or row.used or row.expires_at <= now:
            return None
        row.used = True
        return [row.answer_hash, *([row.audio_hash] if row.audio_hash else [])]

    async def delete_expired(self, now: datetime) -> None:
        self.rows = {k: v for k, v in self.rows.items() if v.expires_at >= now}


class FakeChallenges:
    IMAGE = "K7PX3"

    async def new_challenge(self) -> Challenge:
        return Challenge(self.IMAGE, b"\x89PNG fake")


class FakeVoice:
    """Keeps what it was asked to say; ``broken`` makes it fail like a missing espeak-ng."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.broken = False

    async def speak(self, text: str) -> bytes:
        if self.broken:
            raise VoiceUnavailable("espeak-ng: not found")
        self.said.append(text)
        return b"RIFF fake " + text.encode()


class FakePasswords:
    """Readable "hashes" (``v2$<password>``); any other prefix is a stale scheme to rehash."""

    CURRENT = "v2$"

    async def hash(self, password: str) -> str:
        return self.CURRENT + password

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash is not None and password_hash.split("$", 1)[-1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(self.CURRENT)


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# One key for the whole test session: generating Ed25519 keys is cheap, but one is enough.
KEY = SigningKey.generate()


@dataclass
class Fakes:
    """One set of fakes; ``service()`` and ``app()`` build identity on them."""

    users: FakeUsers = field(default_factory=FakeUsers)
    sessions: FakeSessions = field(default_factory=FakeSessions)
    captchas: FakeCaptchas = field(default_factory=FakeCaptchas)
    challenges: FakeChallenges = field(default_factory=FakeChallenges)
    voice: FakeVoice = field(default_factory=FakeVoice)
    passwords: FakePasswords = field(default_factory=FakePasswords)
    clock: FakeClock = field(default_factory=FakeClock)
    keys: KeyRing = field(default_factory=lambda: KeyRing.holding(KEY))

    def parts(self) -> dict[str, Any]:
        return dict(vars(self))

    def service(self, settings: IdentitySettings = SETTINGS) -> Identity:
        return bootstrap(settings, **self.parts())

    def app(self, settings: IdentitySettings = SETTINGS) -> FastAPI:
        return build(settings, **self.parts())


# --- people -----------------------------------------------------------------------------------

PASSWORD = "Cotopaxi-Nevado-5897"
CEDULAS = ["1714307103", "1114140021", "2100759543", "1803834520"]


def form(email: str = "ana@correo.com", **changes: Any) -> RegistrationForm:
    values: dict[str, Any] = {
        "email": email,
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "given_names": "Ana María",
        "surnames": "Quispe Ñáñez",
        "id_type": "cedula",
        "id_number": CEDULAS[0],
        "accept_terms": True,
    }
    return RegistrationForm(**(values | changes))


async def sign_up(svc: Identity, email: str = "ana@correo.com", **changes: Any) -> tuple[User, str]:
    """A user pending activation, and the token of the activation link emailed to them."""
    captcha = await create_captcha(svc, svc.clock())
    user = await registration.register(
        svc, form(email, **changes), captcha.captcha_id, FakeChallenges.IMAGE, svc.clock()
    )
    return user, link_token(svc)


async def active_user(svc: Identity, email: str = "ana@correo.com", **changes: Any) -> User:
    _, token = await sign_up(svc, email, **changes)
    return await activation.activate(svc, token, svc.clock())


async def solved(svc: Identity) -> tuple[str, str]:
    """A new captcha and its answer: (captcha_id, captcha_answer)."""
    captcha = await create_captcha(svc, svc.clock())
    return captcha.captcha_id, FakeChallenges.IMAGE


def link_token(svc: Identity) -> str:
    """The secret of the last link identity asked to email."""
    users = svc.users
    assert isinstance(users, FakeUsers)
    sent = [e for e in users.outbox if hasattr(e, "token")]
    return str(sent[-1].token)


async def refusal(call: Awaitable[object]) -> ApiError:
    """The refusal (a ``common.errors`` kind) that awaiting ``call`` raises."""
    with pytest.raises(ApiError) as refused:
        await call
    return refused.value
