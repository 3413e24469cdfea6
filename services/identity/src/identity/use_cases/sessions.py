"""Login (with lockout and rehash), refresh-token rotation with reuse detection, logout."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from common.errors import ApiError, Forbidden
from common.logging import get_logger
from identity.domain.lockout import plan_attempt
from identity.domain.sessions import RefreshToken, RefreshVerdict, SessionFamily, judge_refresh
from identity.domain.tokens import hash_secret, new_secret
from identity.domain.users import Status, User
from identity.domain.validation import email_key
from identity.ports import IdentityService
from identity.use_cases._refusals import session_refused
from identity.use_cases._retry import change_user

log = get_logger(__name__)

# How often an attempt is planned again when parallel attempts moved the count meanwhile; past
# that, it is refused like a locked one (a burst is under way).
PLANS = 3


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


def bad_credentials() -> ApiError:
    # No WWW-Authenticate challenge here: this is a login form's answer, not a bearer refusal.
    # The same answer for an unknown email, a wrong password and a locked account (no account
    # enumeration); the message says why a right password may still be refused for a while.
    return ApiError(
        401,
        "invalid_credentials",
        "Correo electrónico o contraseña incorrectos. Después de varios intentos fallidos, "
        "espera unos minutos antes de intentarlo nuevamente.",
    )


@dataclass(frozen=True)
class CountedAttempt:
    failures: int
    lock_until: datetime | None  # set by this attempt's own count (it reached the threshold)


async def login(svc: IdentityService, email: str, password: str, now: datetime) -> Tokens:
    user = await svc.users.by_email_key(email_key(email))
    attempt = await _count_attempt(svc, user, now) if user else None
    # Unknown email, locked account and wrong password: the same check time, the same answer.
    checked_hash = user.password_hash if user and attempt else None
    valid = await svc.passwords.verify(checked_hash, password)
    if user is None or attempt is None:
        raise bad_credentials()
    if not valid:
        if attempt.lock_until is not None:
            lock_until = attempt.lock_until
            await change_user(
                svc.users,
                lambda: svc.users.by_id(user.user_id),
                lambda u: u.locked_out(attempt.failures, lock_until),
            )
        raise bad_credentials()
    # Checked again after the slow verify: a parallel attempt may have locked the account.
    if not await svc.users.release_attempts(user.user_id, now, attempt.lock_until):
        raise bad_credentials()
    if user.status is not Status.ACTIVE:
        raise Forbidden(
            "account_not_active",
            "Tu cuenta aún no está activada. Revisa tu correo y da clic en «Activar Cuenta».",
        )
    if svc.passwords.needs_rehash(user.password_hash):
        rehash = await svc.passwords.hash(password)
        await change_user(
            svc.users, lambda: svc.users.by_id(user.user_id), lambda u: _rehashed(u, rehash)
        )
    return await _start_session(svc, user, now)


async def _count_attempt(svc: IdentityService, user: User, now: datetime) -> CountedAttempt | None:
    """Count the attempt before the password is checked (domain/lockout.py); None: locked."""
    state: User | None = user
    for _ in range(PLANS):
        if state is None:
            return None
        plan = plan_attempt(state.failed_logins, state.locked_until, now, svc.policy)
        if plan is None:
            return None
        failures = await svc.users.count_attempt(user.user_id, plan, now)
        if failures is not None:
            return CountedAttempt(failures, plan.lock_until)
        # Parallel attempts moved the count out of the plan's range: plan again from it.
        state = await svc.users.by_id(user.user_id)
    return None


def _rehashed(user: User, new_hash: str) -> None:
    user.password_hash = new_hash


async def _start_session(svc: IdentityService, user: User, now: datetime) -> Tokens:
    family = SessionFamily(family_id=uuid.uuid4().hex, user_id=user.user_id, created_at=now)
    secret, token = _new_refresh(svc, family, now)
    await svc.sessions.start(family, token)
    return _tokens(svc, user, family.family_id, secret, now)


def _new_refresh(
    svc: IdentityService, family: SessionFamily, now: datetime
) -> tuple[str, RefreshToken]:
    secret = new_secret()
    expires = now + timedelta(days=svc.settings.refresh_token_ttl_days)
    return secret, RefreshToken(hash_secret(secret), family.family_id, family.user_id, expires)


def _tokens(
    svc: IdentityService, user: User, family_id: str, refresh_secret: str, now: datetime
) -> Tokens:
    ttl = svc.settings.access_token_ttl_seconds
    access = svc.keys.access_token(user.user_id, user.roles, family_id, timedelta(seconds=ttl), now)
    return Tokens(access_token=access, refresh_token=refresh_secret, expires_in=ttl)


async def refresh(svc: IdentityService, refresh_token: str, now: datetime) -> Tokens:
    """Use up the presented token and issue the next in its family; a reused one revokes the
    whole family (domain/sessions.py)."""
    token_hash = hash_secret(refresh_token)
    token = await svc.sessions.token(token_hash)
    family = await svc.sessions.family(token.family_id) if token else None
    verdict = judge_refresh(token, family, now)
    if verdict is RefreshVerdict.ROTATE and not await svc.sessions.use_token(token_hash, now):
        verdict = RefreshVerdict.REUSED  # a concurrent request used it a moment ago
    if verdict is RefreshVerdict.REUSED and family is not None:
        await svc.sessions.revoke_family(family.family_id, family.user_id, now, "refresh_reuse")
        log.warning("refresh_token_reuse", user_id=family.user_id, family_id=family.family_id)
    if verdict is not RefreshVerdict.ROTATE or family is None:
        raise session_refused()
    user = await svc.users.by_id(family.user_id)
    if user is None or user.status is not Status.ACTIVE:
        raise session_refused()
    secret, new_token = _new_refresh(svc, family, now)
    await svc.sessions.add_token(new_token)
    return _tokens(svc, user, family.family_id, secret, now)


async def check_session(svc: IdentityService, session_id: str | None) -> None:
    """An access token counts only while its session was not logged out or revoked."""
    family = await svc.sessions.family(session_id or "")
    if family is None or family.revoked_at is not None:
        raise session_refused()


async def logout(svc: IdentityService, user_id: str, session_id: str | None, now: datetime) -> None:
    await svc.sessions.revoke_family(session_id or "", user_id, now, "logout")
