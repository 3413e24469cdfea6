"""What the runtime reads (SPEC) and the app: the consumers (InvoiceIssued, CreditNoteIssued,
DebitNoteIssued) and the download route."""

import asyncio
from typing import Any

from fastapi import FastAPI

from common.contracts import RideFailed, RideRendered
from common.service import ServiceSpec, build_app
from rendering.adapters.pool import ProcessPoolRenderer
from rendering.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from rendering.api.routes import ROUTERS
from rendering.bootstrap import Rendering, bootstrap
from rendering.consumers import consumers
from rendering.settings import RenderingSettings


async def stop_workers_at_shutdown(svc: Rendering) -> None:
    """Holds the worker processes for the app's lifetime; cancelled at shutdown, it stops them."""
    try:
        await asyncio.Event().wait()
    finally:
        if isinstance(svc.renderer, ProcessPoolRenderer):
            svc.renderer.close()


def render_pool_healthy(svc: Rendering) -> bool:
    """False once the rendering processes cannot be recreated."""
    return bool(getattr(svc.renderer, "healthy", True))


SPEC: ServiceSpec[Rendering] = ServiceSpec(
    name="rendering",
    title="rendering",
    description=(
        "El RIDE (PDF/A-3b) de cada factura, nota de crédito y nota de débito autorizada, y su "
        "descarga por enlace firmado."
    ),
    indexes=INDEXES,
    outbox_collections=OUTBOX_COLLECTIONS,
    publishes=[RideRendered, RideFailed],
    routers=ROUTERS,
    consumers=consumers,
    loops=[stop_workers_at_shutdown],
    health={"render_pool": render_pool_healthy},
)


def build(settings: RenderingSettings | None = None, **overrides: Any) -> FastAPI:
    return build_app(SPEC, bootstrap(settings, **overrides))
