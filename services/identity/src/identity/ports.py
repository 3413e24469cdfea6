"""What the use cases need from the outside world, as Protocols; ``adapters/`` implements them
(MongoDB, Argon2, the captcha package, Ed25519) and ``tests/unit/fakes.py`` fakes them."""

from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from identity.domain.captchas import Challenge
from identity.domain.events import RevocationReason
from identity.domain.lockout import AttemptPlan
from identity.domain.policy import Policy
from identity.domain.sessions import RefreshToken, SessionFamily
from identity.domain.users import User
from identity.settings import IdentitySettings

TokenList = Literal["activation_tokens", "reset_tokens"]


class DuplicateUser(Exception):
    """``add`` found the email or the identification number taken (``field`` says which)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class VoiceUnavailable(Exception):
    """The speech synthesizer failed or took too long."""


class ConcurrentUpdate(Exception):
    """Someone else saved the user first; the caller reloads and tries again."""


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert with its events; raises DuplicateUser."""

    async def save(self, user: User) -> None:
        """State and new events in one write, if the version is unchanged; else
        ConcurrentUpdate."""

    async def by_id(self, user_id: str) -> User | None: ...

    async def by_email_key(self, key: str) -> User | None: ...

    async def by_token(self, kind: TokenList, token_hash: str) -> User | None: ...

    # Login attempts: atomic writes of their own, never through ``save`` (which leaves
    # failed_logins and locked_until alone, so a stale user cannot undo a counted attempt).

    async def count_attempt(self, user_id: str, plan: AttemptPlan, now: datetime) -> int | None:
        """Count one login attempt as ``plan`` says, in one write: the new count, or None when
        the account is locked at ``now`` or its count is outside the plan's range."""

    async def release_attempts(
        self, user_id: str, now: datetime, own_lock: datetime | None
    ) -> bool:
        """A right password: forget the counted attempts and the lock, unless another attempt
        locked the account meanwhile (a lock equal to ``own_lock``, set by this attempt's own
        count, does not count). False: locked by another attempt."""

    async def clear_attempts(self, user_id: str) -> None:
        """Forget the counted attempts and any lock (a new password)."""


class SessionRepository(Protocol):
    async def start(self, family: SessionFamily, token: RefreshToken) -> None: ...

    async def add_token(self, token: RefreshToken) -> None: ...

    async def token(self, token_hash: str) -> RefreshToken | None: ...

    async def family(self, family_id: str) -> SessionFamily | None: ...

    async def use_token(self, token_hash: str, now: datetime) -> bool:
        """Mark the token used; False if another request used it first (that is a reuse)."""

    async def revoke_family(
        self, family_id: str, user_id: str, now: datetime, reason: RevocationReason
    ) -> None: ...

    async def revoke_all(self, user_id: str, now: datetime, reason: RevocationReason) -> None: ...

    async def delete_expired(self, now: datetime, created_before: datetime) -> None:
        """Expired refresh tokens and the families none of whose tokens is still valid."""


class CaptchaRepository(Protocol):
    async def add(self, captcha_id: str, answer_hash: str, expires_at: datetime) -> None: ...

    async def set_audio_answer(
        self, captcha_id: str, answer_hash: str, now: datetime, most: int
    ) -> bool:
        """The answer of a newly drawn audio, replacing any earlier one, if the captcha is unused,
        unexpired and had fewer than ``most`` audios; False otherwise."""

    async def consume(self, captcha_id: str, now: datetime) -> list[str] | None:
        """Use the captcha up (whatever the answer): its answer hashes (the image's, and the
        audio's if one was drawn), or None if not usable."""

    async def delete_expired(self, now: datetime) -> None: ...


class CaptchaGenerator(Protocol):
    async def new_challenge(self) -> Challenge: ...


class CaptchaVoice(Protocol):
    async def speak(self, text: str) -> bytes:
        """A WAV file of ``text`` said in Spanish; raises VoiceUnavailable."""


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False for no hash too, taking as long as a real check (no account enumeration)."""

    def needs_rehash(self, password_hash: str) -> bool: ...


class KeyRing(Protocol):
    async def load(self) -> None:
        """Load the signing keys: a start-up step, before any token is signed."""

    def access_token(
        self, user_id: str, roles: list[str], session_id: str, ttl: timedelta, now: datetime
    ) -> str: ...

    def jwks(self) -> list[dict[str, Any]]:
        """Every published key (current, next, previous) as a JWK."""

    async def public_key(self, kid: str) -> Any:
        """The public key of a published key with this id, or None."""


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class IdentityService(Protocol):
    """The service object as the use cases see it (``bootstrap.Identity`` implements it)."""

    settings: IdentitySettings
    policy: Policy
    users: UserRepository
    sessions: SessionRepository
    captchas: CaptchaRepository
    challenges: CaptchaGenerator
    voice: CaptchaVoice
    passwords: PasswordHasher
    keys: KeyRing
