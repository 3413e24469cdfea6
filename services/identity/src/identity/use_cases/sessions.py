"""Login (with lockout and rehash), refresh-token rotation with reuse detection, logout."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from common.errors import ApiError, Forbidden, TooManyRequests
from common.logging import get_logger
from identity.domain.lockout import retry_after_seconds
from identity.domain.sessions import RefreshToken, RefreshVerdict, SessionFamily, judge_refresh
from identity.domain.tokens import hash_secret, new_secret
from identity.domain.users import Status, User
from identity.domain.validation import email_key
from identity.ports import IdentityService
from identity.use_cases._refusals import session_refused
from identity.use_cases._retry import change_user

log = get_logger(__name__)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


def bad_credentials() -> ApiError:
    # No WWW-Authenticate challenge here: this is a login form's answer, not a bearer refusal.
    return ApiError(401, "invalid_credentials", "Correo electrónico o contraseña incorrectos.")


def locked(user: User, now: datetime) -> TooManyRequests:
    seconds = max(1, retry_after_seconds(user.locked_until, now))
    return TooManyRequests(
        "account_locked",
        f"Demasiados intentos fallidos. Intenta nuevamente en {seconds} segundos.",
        retry_after=seconds,
    )


async def login(svc: IdentityService, email: str, password: str, now: datetime) -> Tokens:
    user = await svc.users.by_email_key(email_key(email))
    if user is not None and user.is_locked(now):
        raise locked(user, now)
    # Unknown email and wrong password take the same time and get the same answer.
    valid = await svc.passwords.verify(user.password_hash if user else None, password)
    if user is None:
        raise bad_credentials()
    if not valid:
        await change_user(
            svc.users,
            lambda: svc.users.by_id(user.user_id),
            lambda u: u.login_failed(now, svc.policy),
        )
        raise bad_credentials()
    if user.status is not Status.ACTIVE:
        raise Forbidden(
            "account_not_active",
            "Tu cuenta aún no está activada. Revisa tu correo y da clic en «Activar Cuenta».",
        )
    stale_hash = svc.passwords.needs_rehash(user.password_hash)
    if user.failed_logins or stale_hash:
        rehash = await svc.passwords.hash(password) if stale_hash else None
        await change_user(
            svc.users, lambda: svc.users.by_id(user.user_id), lambda u: _login_ok(u, rehash)
        )
    return await _start_session(svc, user, now)


def _login_ok(user: User, new_hash: str | None) -> None:
    user.login_succeeded()
    if new_hash:
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
        await svc.sessions.revoke_family(family.family_id, now, "refresh_token_reuse")
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


async def logout(svc: IdentityService, session_id: str | None, now: datetime) -> None:
    await svc.sessions.revoke_family(session_id or "", now, "logout")
