"""The service object: settings, runtime and every part the use cases, consumers and routes
need, built without I/O (clients connect and workers start on first use). Tests replace any
part by name."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.documents import BillingDocuments
from common.service import Runtime
from rendering.adapters.gridfs_storage import GridFsRideStorage
from rendering.adapters.pool import ProcessPoolRenderer
from rendering.adapters.store import RideStore
from rendering.ports import Clock, FiscalDocuments, Renderer, Rides, RideStorage
from rendering.settings import RenderingSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Rendering:
    """Everything the consumer and the download route need, built once."""

    runtime: Runtime
    settings: RenderingSettings
    rides: Rides
    storage: RideStorage
    renderer: Renderer
    documents: FiscalDocuments
    clock: Clock = utc_now


def bootstrap(settings: RenderingSettings | None = None, **overrides: Any) -> Rendering:
    settings = settings or RenderingSettings()
    runtime = overrides.pop("runtime", None) or Runtime.create(settings)
    parts: dict[str, Any] = {
        "rides": RideStore(runtime.database),
        "storage": GridFsRideStorage(runtime.database),
        "renderer": ProcessPoolRenderer(settings.render_workers, settings.render_tasks_per_worker),
        "documents": BillingDocuments(
            settings.billing_url,
            settings.document_link_secret,
            settings.document_fetch_timeout_seconds,
        ),
    } | overrides
    return Rendering(runtime=runtime, settings=settings, **parts)
