"""SMS verification codes (guide step 2.1, "GENERAR" and "CÓDIGO"): how they are made, kept,
checked and rationed (docs/design.md §6).

- 6 digits from ``secrets`` (the operating system's CSPRNG), valid ``code_ttl`` (10 minutes);
- kept only as HMAC-SHA256(salt, code) with a fresh random salt per code. That is enough here:
  the hash is not what stops guessing — 10**6 candidates are cheap to try offline — but it keeps
  a live code from being read off a database dump or a support screen, and the salt makes each
  code a search of its own. What stops guessing is online: at most ``max_attempts`` (5) wrong
  tries per code within its 10 minutes, and at most ``max_sends`` codes per line and rolling
  day. A slow hash (Argon2) would add cost to every "Aceptar" and protect nothing the SMS itself
  does not already carry in clear (the code travels to the SMS gateway on the sensitive topic).
- a new code replaces the previous one (which then no longer verifies);
- compared with ``hmac.compare_digest`` (no timing oracle);
- at least ``resend_cooldown`` (60 s) between two codes of a line;
- daily caps per destination number, per user and per number prefix (SMS pumping), counted in
  UTC days and reserved before anything is sent.
"""

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from common.errors import ApiError, Gone, InvalidInput, TooManyRequests
from lines.domain.policy import Policy

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    """The one live code of a line: its salted hash, its life and the wrong tries so far."""

    code_hash: str
    salt: str
    issued_at: datetime
    expires_at: datetime
    wrong_attempts: int = 0

    @classmethod
    def issue(cls, now: datetime, policy: Policy) -> tuple["IssuedCode", str]:
        code, salt = new_code(), secrets.token_hex(16)
        return cls(hash_code(code, salt), salt, now, now + policy.code_ttl), code

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.code_hash, hash_code(code, self.salt))

    def wrong_try(self) -> "IssuedCode":
        return replace(self, wrong_attempts=self.wrong_attempts + 1)

    def check_usable(self, now: datetime, policy: Policy) -> None:
        """410 when it expired or its tries are used up (a new code starts afresh)."""
        if now >= self.expires_at:
            raise code_expired()
        if self.wrong_attempts >= policy.max_attempts:
            raise attempts_exhausted()


def clean_code(text: str) -> str:
    """The code as typed ("123 456" too); refuses anything that cannot be one, uncounted."""
    code = "".join(text.split())
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise InvalidInput.field("code", f"El código tiene {CODE_DIGITS} dígitos.")
    return code


def sends_today(sent_at: list[datetime], now: datetime) -> list[datetime]:
    return [t for t in sent_at if now - t < timedelta(days=1)]


def check_may_send(sent_at: list[datetime], now: datetime, policy: Policy) -> None:
    """The per-line rules: a cooldown since the last code and ``max_sends`` per rolling day."""
    recent = sends_today(sent_at, now)
    if len(recent) >= policy.max_sends:
        wait = min(recent) + timedelta(days=1) - now
        raise TooManyRequests(
            "too_many_codes",
            f"Ya enviamos {policy.max_sends} códigos a esta línea. Podrás pedir otro más tarde.",
            retry_after=_seconds(wait),
        )
    if recent and now - max(recent) < policy.resend_cooldown:
        wait = max(recent) + policy.resend_cooldown - now
        raise TooManyRequests(
            "code_cooldown",
            f"Espera {_seconds(wait)} segundos para pedir un nuevo código.",
            retry_after=_seconds(wait),
        )


def resend_after(sent_at: list[datetime], now: datetime, policy: Policy) -> int:
    """Seconds until the line may get another code (0: now)."""
    recent = sends_today(sent_at, now)
    wait = (max(recent) + policy.resend_cooldown - now) if recent else timedelta(0)
    return _seconds(wait) if wait > timedelta(0) else 0


# --- daily caps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyCap:
    """One counter of SMS per UTC day: ``key`` is ``scope:value:YYYY-MM-DD``."""

    key: str
    day: str
    limit: int

    def allows(self, count: int) -> bool:
        return count <= self.limit


def daily_caps(
    destination_e164: str, prefix: str, user_id: str, now: datetime, policy: Policy
) -> list[DailyCap]:
    day = now.date().isoformat()  # ``now`` is UTC: caps reset at 00:00 UTC
    return [
        DailyCap(f"number:{destination_e164}:{day}", day, policy.daily_cap_per_number),
        DailyCap(f"user:{user_id}:{day}", day, policy.daily_cap_per_user),
        DailyCap(f"prefix:{prefix}:{day}", day, policy.daily_cap_per_prefix),
    ]


def daily_cap_reached(now: datetime) -> TooManyRequests:
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)
    return TooManyRequests(
        "daily_limit_reached",
        "Alcanzaste el máximo de códigos por SMS de hoy. Intenta nuevamente mañana.",
        retry_after=_seconds(midnight - now),
    )


# --- refusals ----------------------------------------------------------------------------------


def code_expired() -> Gone:
    return Gone("code_expired", "El código expiró. Solicita uno nuevo.")


def attempts_exhausted() -> Gone:
    return Gone(
        "code_attempts_exhausted",
        "Ingresaste un código incorrecto demasiadas veces. Solicita uno nuevo.",
    )


def wrong_code(attempts_left: int) -> ApiError:
    """422 with the tries left; the last wrong try is answered 410 instead."""
    if attempts_left <= 0:
        return attempts_exhausted()
    left = "Te queda 1 intento." if attempts_left == 1 else f"Te quedan {attempts_left} intentos."
    error = InvalidInput.field("code", f"Código incorrecto. {left}")
    error.extra = {"attempts_left": attempts_left}
    return error


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
