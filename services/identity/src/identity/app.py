"""Wiring: settings → runtime → stores → routes; start-up steps and background loops."""

import asyncio
import uuid
from datetime import UTC, datetime

from fastapi import FastAPI

from common.auth import TokenVerifier
from common.contracts import (
    ActivationRequested,
    PasswordResetRequested,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from common.logging import get_logger
from common.service import Runtime, create_app
from identity import passwords
from identity.api import Identity, keys_router, router
from identity.domain.users import Status, User
from identity.domain.validation import email_key, normalize_email
from identity.settings import IdentitySettings
from identity.store import (
    INDEXES,
    OUTBOX_COLLECTIONS,
    CaptchaStore,
    KeyStore,
    SessionStore,
    UserStore,
)

log = get_logger(__name__)

PUBLISHES = [
    UserRegistered,
    UserActivated,
    ActivationRequested,
    PasswordResetRequested,
    UserLockedOut,
]


def build(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    runtime = Runtime.create(settings)
    runtime.indexes = INDEXES
    runtime.outbox_collections = OUTBOX_COLLECTIONS
    runtime.publishes = PUBLISHES
    app = create_app(
        runtime,
        [router, keys_router],
        title="identity",
        description="Registro, activación por correo, inicio de sesión y tokens de acceso.",
    )

    async def wire(rt: Runtime) -> None:
        key = await KeyStore(rt.database).current()

        async def key_for(kid: str) -> object | None:
            return key.public_key if kid == key.kid else None

        app.state.identity = Identity(
            runtime=rt,
            settings=settings,
            users=UserStore(rt.database),
            sessions=SessionStore(rt.database),
            captchas=CaptchaStore(rt.database),
            key=key,
            verifier=TokenVerifier(key_for),
        )
        await bootstrap_operator(app.state.identity)

    runtime.startup.append(wire)
    runtime.loops.append(lambda rt: clean_up_expired(app.state.identity))
    return app


async def bootstrap_operator(ctx: Identity) -> None:
    """Create (or update the password of) the operator account named by the environment."""
    settings = ctx.settings
    if not (settings.operator_email and settings.operator_password):
        return
    email = normalize_email(settings.operator_email)
    existing = await ctx.users.by_email_key(email_key(email))
    if existing is None:
        operator = User(
            user_id=uuid.uuid4().hex,
            email=email,
            email_key=email_key(email),
            given_names="Operador",
            surnames="Demo",
            id_type=None,
            id_number=None,
            password_hash=await passwords.hash_password(settings.operator_password),
            created_at=datetime.now(UTC),
            status=Status.ACTIVE,
            roles=["operator"],
            activated_at=datetime.now(UTC),
        )
        await ctx.users.add(operator)
        log.info("operator_created", user_id=operator.user_id)
        return
    if not await passwords.verify_password(existing.password_hash, settings.operator_password):
        existing.password_hash = await passwords.hash_password(settings.operator_password)
    existing.roles = sorted({*existing.roles, "operator"})
    existing.status = Status.ACTIVE
    await ctx.users.save(existing)


async def clean_up_expired(ctx: Identity, every_seconds: float = 300.0) -> None:
    """Expiry is a timestamp compared in queries; this only keeps the collections small."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            now = datetime.now(UTC)
            await ctx.captchas.delete_expired(now)
            await ctx.sessions.delete_expired(now)
        except Exception:
            log.exception("clean_up_failed")
