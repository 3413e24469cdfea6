"""identity's HTTP API (API.md §identity)."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from common.auth import Principal, TokenVerifier, bearer_token, unauthorized
from common.errors import ApiError, InvalidInput
from common.logging import get_logger
from common.service import Runtime
from identity import captchas, passwords
from identity.domain.lockout import retry_after_seconds
from identity.domain.policy import Policy
from identity.domain.sessions import RefreshToken, RefreshVerdict, SessionFamily, judge_refresh
from identity.domain.tokens import TokenError, TokenProblem, hash_secret, new_secret
from identity.domain.users import Status, User
from identity.domain.validation import (
    RegistrationForm,
    email_key,
    password_problem,
    validate_registration,
)
from identity.settings import IdentitySettings
from identity.signing import SigningKey
from identity.store import (
    USERS,
    CaptchaStore,
    ConcurrentUpdate,
    DuplicateUser,
    SessionStore,
    UserStore,
)

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["identity"])
T = TypeVar("T")


@dataclass
class Identity:
    """Everything the routes need, built once at start-up (see app.py)."""

    runtime: Runtime
    settings: IdentitySettings
    users: UserStore
    sessions: SessionStore
    captchas: CaptchaStore
    key: SigningKey
    verifier: TokenVerifier

    @property
    def policy(self) -> Policy:
        return self.settings.policy()


def identity(request: Request) -> Identity:
    return request.app.state.identity  # type: ignore[no-any-return]


Ctx = Annotated[Identity, Depends(identity)]


def now() -> datetime:
    return datetime.now(UTC)


# --- request and response bodies -----------------------------------------------------------------
# Fields are plain strings: the domain validates them and answers in Spanish, field by field.


class RegistrationIn(BaseModel):
    email: str = ""
    password: str = ""
    password_confirmation: str = ""
    given_names: str = ""
    surnames: str = ""
    id_type: str = "cedula"
    id_number: str = ""
    captcha_id: str = ""
    captcha_answer: str = ""
    accept_terms: bool = False


class CaptchaOut(BaseModel):
    captcha_id: str
    image: str
    audio: str
    expires_in: int


class RegistrationOut(BaseModel):
    user_id: str
    status: str


class TokenIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class EmailIn(BaseModel):
    email: str = Field(max_length=320)


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int


class ResetConfirmIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = ""
    password_confirmation: str = ""


class MeOut(BaseModel):
    user_id: str
    email: str
    given_names: str
    surnames: str
    id_type: str | None
    id_number: str | None
    roles: list[str]
    status: str


# --- captchas and sign-up -------------------------------------------------------------------------


@router.post("/captchas", status_code=201, response_model=CaptchaOut)
async def create_captcha(ctx: Ctx) -> CaptchaOut:
    challenge = await captchas.new_challenge()
    ttl = ctx.settings.captcha_ttl_seconds
    captcha_id = uuid.uuid4().hex
    hashes = [
        captchas.answer_hash(captcha_id, a)
        for a in (challenge.image_answer, challenge.audio_answer)
    ]
    await ctx.captchas.add(captcha_id, hashes, now() + timedelta(seconds=ttl))
    image, audio = challenge.data_uris()
    return CaptchaOut(captcha_id=captcha_id, image=image, audio=audio, expires_in=ttl)


async def check_captcha(ctx: Identity, captcha_id: str, answer: str) -> None:
    """Single use: the captcha is spent whatever the answer; a wrong one needs a new captcha."""
    wrong = InvalidInput(
        {"captcha_answer": "El código no coincide con la imagen. Intenta con uno nuevo."}
    )
    if not captcha_id or not answer.strip():
        raise InvalidInput({"captcha_answer": "Escribe el código de la imagen."})
    stored = await ctx.captchas.consume(captcha_id, now())
    if stored is None:
        raise InvalidInput({"captcha_answer": "El código expiró. Genera uno nuevo."})
    test_answer = ctx.settings.captcha_test_answer
    if test_answer and answer.strip().casefold() == test_answer.casefold():
        return
    if captchas.answer_hash(captcha_id, answer) not in stored:
        raise wrong


@router.post("/registrations", status_code=201, response_model=RegistrationOut)
async def register(body: RegistrationIn, ctx: Ctx) -> RegistrationOut:
    form = RegistrationForm(
        email=body.email,
        password=body.password,
        password_confirmation=body.password_confirmation,
        given_names=body.given_names,
        surnames=body.surnames,
        id_type=body.id_type,
        id_number=body.id_number,
        accept_terms=body.accept_terms,
    )
    valid, errors = validate_registration(form)
    if valid is None:
        raise InvalidInput(errors)
    # The captcha guards the uniqueness answers below (409 would otherwise enumerate accounts).
    await check_captcha(ctx, body.captcha_id, body.captcha_answer)
    password_hash = await passwords.hash_password(valid.password)
    user = User.register(
        uuid.uuid4().hex, valid, password_hash, now(), ctx.policy, ctx.settings.portal_base_url
    )
    try:
        await ctx.users.add(user)
    except DuplicateUser as dup:
        raise _duplicate(dup.field) from None
    ctx.runtime.events_written(USERS, user.user_id)
    log.info("user_registered", user_id=user.user_id)
    return RegistrationOut(user_id=user.user_id, status=user.status.value)


def _duplicate(field: str) -> ApiError:
    if field == "email":
        message = (
            "Ya existe una cuenta con este correo electrónico. "
            "Inicia sesión o recupera tu contraseña."
        )
    else:
        message = "Ya existe una cuenta con este número de identificación."
    return ApiError(409, "already_registered", message, {field: message})


# --- activation ----------------------------------------------------------------------------------

_TOKEN_ERRORS = {
    TokenProblem.UNKNOWN: (
        404,
        "token_not_found",
        "El enlace no es válido. Revisa que esté completo.",
    ),
    TokenProblem.USED: (410, "token_used", "Este enlace ya fue usado."),
    TokenProblem.EXPIRED: (410, "token_expired", "El enlace expiró. Solicita uno nuevo."),
}


def _token_error(error: TokenError) -> ApiError:
    return ApiError(*_TOKEN_ERRORS[error.problem])


async def _with_user(
    load: Callable[[], Awaitable[User | None]], change: Callable[[User], T], ctx: Identity
) -> tuple[User | None, T | None]:
    """Load, change, save; again if another request saved the user in between."""
    for _ in range(5):
        user = await load()
        if user is None:
            return None, None
        result = change(user)
        has_events = bool(user.events)
        try:
            await ctx.users.save(user)
        except ConcurrentUpdate:
            continue
        if has_events:
            ctx.runtime.events_written(USERS, user.user_id)
        return user, result
    raise ApiError(409, "conflict", "La cuenta está siendo modificada. Intenta nuevamente.")


@router.post("/activations")
async def activate(body: TokenIn, ctx: Ctx) -> dict[str, str]:
    token_hash = hash_secret(body.token)
    try:
        user, _ = await _with_user(
            lambda: ctx.users.by_token("activation_tokens", token_hash),
            lambda u: u.activate(body.token, now()),
            ctx,
        )
    except TokenError as error:
        raise _token_error(error) from None
    if user is None:
        raise _token_error(TokenError(TokenProblem.UNKNOWN))
    return {"status": "active"}


@router.post("/activations/resend", status_code=202)
async def resend_activation(body: EmailIn, ctx: Ctx) -> dict[str, str]:
    """Always 202, whether or not the account exists (no account enumeration)."""
    key = email_key(body.email)
    await _with_user(
        lambda: ctx.users.by_email_key(key),
        lambda u: u.resend_activation(now(), ctx.policy, ctx.settings.portal_base_url),
        ctx,
    )
    return {"status": "accepted"}


# --- sessions ------------------------------------------------------------------------------------


def _locked(user: User) -> ApiError:
    seconds = max(1, retry_after_seconds(user.locked_until, now()))
    return ApiError(
        429,
        "account_locked",
        f"Demasiados intentos fallidos. Intenta nuevamente en {seconds} segundos.",
        headers={"Retry-After": str(seconds)},
    )


_BAD_CREDENTIALS = ApiError(
    401, "invalid_credentials", "Correo electrónico o contraseña incorrectos."
)


@router.post("/sessions", response_model=TokensOut)
async def login(body: LoginIn, ctx: Ctx) -> TokensOut:
    user = await ctx.users.by_email_key(email_key(body.email))
    if user is not None and user.is_locked(now()):
        raise _locked(user)
    # Unknown email and wrong password take the same time and get the same answer.
    valid = await passwords.verify_password(user.password_hash if user else None, body.password)
    if user is None:
        raise _BAD_CREDENTIALS
    if not valid:
        await _with_user(
            lambda: ctx.users.by_id(user.user_id), lambda u: u.login_failed(now(), ctx.policy), ctx
        )
        raise _BAD_CREDENTIALS
    if user.status is not Status.ACTIVE:
        raise ApiError(
            403,
            "account_not_active",
            "Tu cuenta aún no está activada. Revisa tu correo y da clic en «Activar Cuenta».",
        )
    stale_hash = passwords.needs_rehash(user.password_hash)
    if user.failed_logins or stale_hash:
        rehash = await passwords.hash_password(body.password) if stale_hash else None
        await _with_user(lambda: ctx.users.by_id(user.user_id), lambda u: _login_ok(u, rehash), ctx)
    return await _start_session(ctx, user)


def _login_ok(user: User, new_hash: str | None) -> None:
    user.login_succeeded()
    if new_hash:
        user.password_hash = new_hash


async def _start_session(ctx: Identity, user: User) -> TokensOut:
    family = SessionFamily(family_id=uuid.uuid4().hex, user_id=user.user_id, created_at=now())
    secret, token = _new_refresh(ctx, family)
    await ctx.sessions.start(family, token)
    return _tokens(ctx, user, family.family_id, secret)


def _new_refresh(ctx: Identity, family: SessionFamily) -> tuple[str, RefreshToken]:
    secret = new_secret()
    expires = now() + timedelta(days=ctx.settings.refresh_token_ttl_days)
    return secret, RefreshToken(hash_secret(secret), family.family_id, family.user_id, expires)


def _tokens(ctx: Identity, user: User, family_id: str, refresh_secret: str) -> TokensOut:
    ttl = ctx.settings.access_token_ttl_seconds
    access = ctx.key.access_token(user.user_id, user.roles, family_id, timedelta(seconds=ttl))
    return TokensOut(access_token=access, refresh_token=refresh_secret, expires_in=ttl)


@router.post("/sessions/refresh", response_model=TokensOut)
async def refresh(body: RefreshIn, ctx: Ctx) -> TokensOut:
    token_hash = hash_secret(body.refresh_token)
    token = await ctx.sessions.token(token_hash)
    family = await ctx.sessions.family(token.family_id) if token else None
    verdict = judge_refresh(token, family, now())
    if verdict is RefreshVerdict.ROTATE and not await ctx.sessions.use_token(token_hash, now()):
        verdict = RefreshVerdict.REUSED  # a concurrent request used it a moment ago
    if verdict is RefreshVerdict.REUSED and family is not None:
        await ctx.sessions.revoke_family(family.family_id, now(), "refresh_token_reuse")
        log.warning("refresh_token_reuse", user_id=family.user_id, family_id=family.family_id)
    if verdict is not RefreshVerdict.ROTATE or family is None:
        raise unauthorized()
    user = await ctx.users.by_id(family.user_id)
    if user is None or user.status is not Status.ACTIVE:
        raise unauthorized()
    secret, new_token = _new_refresh(ctx, family)
    await ctx.sessions.add_token(new_token)
    return _tokens(ctx, user, family.family_id, secret)


async def current_principal(request: Request, ctx: Ctx) -> Principal:
    """A valid access token whose session was not logged out or revoked."""
    principal = await ctx.verifier.verify(bearer_token(request))
    family = await ctx.sessions.family(principal.session_id or "")
    if family is None or family.revoked_at is not None:
        raise unauthorized()
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


@router.delete("/sessions/current", status_code=204)
async def logout(principal: CurrentUser, ctx: Ctx) -> Response:
    await ctx.sessions.revoke_family(principal.session_id or "", now(), "logout")
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
async def me(principal: CurrentUser, ctx: Ctx) -> MeOut:
    user = await ctx.users.by_id(principal.user_id)
    if user is None:
        raise unauthorized()
    return MeOut(
        user_id=user.user_id,
        email=user.email,
        given_names=user.given_names,
        surnames=user.surnames,
        id_type=user.id_type,
        id_number=user.id_number,
        roles=user.roles,
        status=user.status.value,
    )


# --- password reset ------------------------------------------------------------------------------


@router.post("/password-resets", status_code=202)
async def request_password_reset(body: EmailIn, ctx: Ctx) -> dict[str, str]:
    """Always 202, whether or not the account exists."""
    key = email_key(body.email)
    await _with_user(
        lambda: ctx.users.by_email_key(key),
        lambda u: u.request_password_reset(now(), ctx.policy, ctx.settings.portal_base_url),
        ctx,
    )
    return {"status": "accepted"}


@router.post("/password-resets/confirm")
async def confirm_password_reset(body: ResetConfirmIn, ctx: Ctx) -> dict[str, str]:
    token_hash = hash_secret(body.token)
    user = await ctx.users.by_token("reset_tokens", token_hash)
    if user is None:
        raise _token_error(TokenError(TokenProblem.UNKNOWN))
    try:
        user.check_reset_token(body.token, now())
    except TokenError as error:
        raise _token_error(error) from None
    problem = password_problem(body.password, user.email, user.id_number or "")
    if problem:
        raise InvalidInput({"password": problem})
    if body.password_confirmation != body.password:
        raise InvalidInput({"password_confirmation": "Las contraseñas no coinciden."})
    password_hash = await passwords.hash_password(body.password)
    try:
        await _with_user(
            lambda: ctx.users.by_id(user.user_id),
            lambda u: u.reset_password(body.token, password_hash, now()),
            ctx,
        )
    except TokenError as error:
        raise _token_error(error) from None
    # A reset means the old password may be known to someone else: end every session.
    await ctx.sessions.revoke_all(user.user_id, now(), "password_reset")
    return {"status": "password_changed"}


# --- keys ----------------------------------------------------------------------------------------

keys_router = APIRouter(tags=["identity"])


@keys_router.get("/.well-known/jwks.json")
@keys_router.get("/v1/.well-known/jwks.json")
async def jwks(ctx: Ctx) -> dict[str, list[dict[str, Any]]]:
    return {"keys": [ctx.key.jwk()]}
