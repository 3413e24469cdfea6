"""lines as the runtime sees it: SPEC (indexes, events, routes, consumers, start-up steps,
loops) and ``build``, which puts SPEC and the service object together."""

import asyncio
from typing import Any

from fastapi import FastAPI

from common.contracts import LineRegistered, LineRemoved, LineVerificationRequested
from common.logging import get_logger
from common.revocations import follow_session_revocations
from common.service import ServiceSpec, build_app
from lines.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from lines.api.routes import ROUTERS
from lines.bootstrap import Lines, bootstrap
from lines.consumers import consumers
from lines.settings import LinesSettings
from lines.use_cases import directory

log = get_logger(__name__)

CLEAN_UP_EVERY_SECONDS = 3600.0


async def backfill_directory(svc: Lines) -> None:
    """Before consuming: the directory from billing's topics, when none was backfilled into this
    database yet. A failure is logged, not fatal: the consumer group still reads the topics, and
    the next start tries again."""
    try:
        await directory.backfill_directory(svc, svc.clock())
    except Exception:
        log.exception("directory_backfill_failed")


async def clean_up_counters(svc: Lines) -> None:
    while True:
        try:
            await directory.clean_up_counters(svc, svc.clock())
        except Exception:
            log.exception("clean_up_failed")
        await asyncio.sleep(CLEAN_UP_EVERY_SECONDS)


SPEC: ServiceSpec[Lines] = ServiceSpec(
    name="lines",
    title="lines",
    description="Líneas de cada usuario, verificadas con un código por SMS.",
    indexes=INDEXES,
    outbox_collections=OUTBOX_COLLECTIONS,
    publishes=[LineVerificationRequested, LineRegistered, LineRemoved],
    routers=ROUTERS,
    consumers=consumers,
    startup=[backfill_directory],
    loops=[clean_up_counters, follow_session_revocations],
)


def build(settings: LinesSettings | None = None, **overrides: Any) -> FastAPI:
    """The app; ``overrides`` replace parts of the service object (tests pass fakes)."""
    return build_app(SPEC, bootstrap(settings, **overrides))
