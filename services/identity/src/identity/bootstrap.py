"""The service object: identity's parts, built without I/O (clients connect on first use and
the signing keys are read from their files by a start-up step, see app.SPEC)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.auth import TokenVerifier
from common.service import Runtime
from identity import ports
from identity.adapters.captchas import CaptchaImages
from identity.adapters.passwords import Argon2Passwords
from identity.adapters.signing import KeyFiles, KeyRing
from identity.adapters.store import CaptchaStore, SessionStore, UserStore
from identity.adapters.voice import EspeakVoice
from identity.domain.policy import Policy
from identity.settings import IdentitySettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Identity:
    """Everything the routes, the start-up steps and the loops are given (ports.IdentityService)."""

    runtime: Runtime
    settings: IdentitySettings
    policy: Policy
    users: ports.UserRepository
    sessions: ports.SessionRepository
    captchas: ports.CaptchaRepository
    challenges: ports.CaptchaGenerator
    voice: ports.CaptchaVoice
    passwords: ports.PasswordHasher
    keys: ports.KeyRing
    # Access tokens verified against our own key ring (no JWKS round trip).
    verifier: TokenVerifier
    clock: ports.Clock


def bootstrap(settings: IdentitySettings | None = None, **overrides: Any) -> Identity:
    """Every part can be replaced by name, e.g. ``bootstrap(settings, users=FakeUsers())``."""
    settings = settings or IdentitySettings()
    runtime = overrides.pop("runtime", None) or Runtime.create(settings)
    database = runtime.database
    parts: dict[str, Any] = {
        "policy": settings.policy(),
        "users": UserStore(database),
        "sessions": SessionStore(database),
        "captchas": CaptchaStore(database),
        "challenges": CaptchaImages(),
        "voice": EspeakVoice(
            settings.captcha_voice,
            settings.captcha_audio_timeout_seconds,
            settings.captcha_audio_concurrency,
        ),
        "passwords": Argon2Passwords(settings.password_hash_concurrency),
        "keys": KeyRing(
            KeyFiles(
                settings.signing_key_path,
                settings.signing_next_key_path,
                settings.signing_previous_key_path,
            )
        ),
        "clock": utc_now,
    } | overrides
    parts.setdefault("verifier", TokenVerifier(parts["keys"].public_key))
    return Identity(runtime=runtime, settings=settings, **parts)
