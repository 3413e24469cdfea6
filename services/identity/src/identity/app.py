"""identity as the runtime sees it: SPEC (indexes, events, routes, start-up steps, loops) and
``build``, which puts SPEC and the service object together."""

import asyncio
from typing import Any

from fastapi import FastAPI

from common.contracts import (
    ActivationRequested,
    PasswordResetRequested,
    SessionsRevoked,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from common.logging import get_logger
from common.service import ServiceSpec, build_app
from identity.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from identity.api.routes import ROUTERS
from identity.bootstrap import Identity, bootstrap
from identity.settings import IdentitySettings
from identity.use_cases import housekeeping, operator

log = get_logger(__name__)

CLEAN_UP_EVERY_SECONDS = 300.0


async def load_signing_key(svc: Identity) -> None:
    """The key ring is empty until now: the keys are read from their files (SIGNING_KEY_PATH,
    SIGNING_NEXT_KEY_PATH, SIGNING_PREVIOUS_KEY_PATH); a missing or unreadable current key
    stops the start."""
    await svc.keys.load()


async def bootstrap_operator(svc: Identity) -> None:
    await operator.bootstrap_operator(svc, svc.clock())


async def clean_up_expired(svc: Identity) -> None:
    while True:
        await asyncio.sleep(CLEAN_UP_EVERY_SECONDS)
        try:
            await housekeeping.clean_up_expired(svc, svc.clock())
        except Exception:
            log.exception("clean_up_failed")


SPEC: ServiceSpec[Identity] = ServiceSpec(
    name="identity",
    title="identity",
    description="Registro, activación por correo, inicio de sesión y tokens de acceso.",
    indexes=INDEXES,
    outbox_collections=OUTBOX_COLLECTIONS,
    publishes=[
        UserRegistered,
        UserActivated,
        ActivationRequested,
        PasswordResetRequested,
        UserLockedOut,
        SessionsRevoked,
    ],
    routers=ROUTERS,
    startup=[load_signing_key, bootstrap_operator],
    loops=[clean_up_expired],
)


def build(settings: IdentitySettings | None = None, **overrides: Any) -> FastAPI:
    """The app; ``overrides`` replace parts of the service object (tests pass fakes)."""
    return build_app(SPEC, bootstrap(settings, **overrides))
