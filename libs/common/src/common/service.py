"""Service runtime: one FastAPI app per service with health, metrics, correlation, Kafka and
MongoDB wired in, the outbox relay and background loops started and stopped with the app."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from common import context
from common.contracts.base import Event
from common.database import Database, Index
from common.errors import install_error_handlers
from common.logging import configure_logging, get_logger
from common.messaging import create_broker, ensure_topics, publish_entry
from common.metrics import HTTP_LATENCY
from common.outbox import OutboxRelay
from common.settings import ServiceSettings

log = get_logger(__name__)

BackgroundLoop = Callable[["Runtime"], Coroutine[Any, Any, None]]


@dataclass
class Runtime:
    """What a service's routes and handlers are given: settings, database, broker, relay."""

    settings: ServiceSettings
    database: Database
    broker: KafkaBroker
    indexes: list[Index] = field(default_factory=list)
    outbox_collections: list[str] = field(default_factory=list)
    # Declared so the AsyncAPI document lists them and their topics exist before first use.
    publishes: Sequence[type[Event]] = ()
    startup: list[BackgroundLoop] = field(default_factory=list)
    loops: list[BackgroundLoop] = field(default_factory=list)
    relay: OutboxRelay | None = None

    @classmethod
    def create(cls, settings: ServiceSettings) -> "Runtime":
        configure_logging(settings.service_name, settings.log_level)
        return cls(
            settings=settings,
            database=Database(
                settings.mongodb_url, settings.database_name, settings.mongodb_max_pool_size
            ),
            broker=create_broker(settings),
        )

    def events_written(self, collection: str, doc_id: Any) -> None:
        """After a write that carried events: the relay publishes them right away."""
        if self.relay is not None:
            self.relay.notify(collection, doc_id)

    def topics(self) -> list[str]:
        consumed = [
            _topic_name(t) for sub in self.broker.subscribers for t in getattr(sub, "topics", ())
        ]
        return sorted({*consumed, *(event.topic for event in self.publishes)})

    def declare_publishers(self) -> None:
        for event in self.publishes:
            note = (
                " Sensitive: carries a secret; restrict ACLs, never log it."
                if event.sensitive
                else ""
            )
            self.broker.publisher(
                event.topic,
                title=f"{event.topic}:publish",
                schema=event,
                description=(event.__doc__ or event.__name__).strip() + note,
            )

    async def ready(self) -> dict[str, bool]:
        database, broker = await asyncio.gather(self.database.ping(), self.broker.ping(timeout=2.0))
        return {"database": database, "kafka": bool(broker)}


def create_app(
    runtime: Runtime, routers: Sequence[APIRouter], *, title: str, description: str
) -> FastAPI:
    runtime.declare_publishers()
    app = FastAPI(title=title, description=description, lifespan=_lifespan(runtime))
    app.state.runtime = runtime
    install_error_handlers(app)
    app.middleware("http")(_observe_request)
    app.include_router(_operations_router(runtime))
    for router in routers:
        app.include_router(router)
    return app


def _lifespan(runtime: Runtime) -> Callable[[FastAPI], Any]:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = runtime.settings
        await runtime.database.ensure_indexes(runtime.indexes)
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            runtime.topics(),
            settings.kafka_topic_partitions,
            settings.kafka_topic_replication,
        )
        for step in runtime.startup:
            await step(runtime)
        await runtime.broker.start()
        runtime.relay = OutboxRelay(
            runtime.database,
            runtime.outbox_collections,
            lambda entry: publish_entry(runtime.broker, entry),
            settings.outbox_sweep_seconds,
        )
        tasks = [asyncio.create_task(runtime.relay.run(), name="outbox-relay")]
        tasks += [asyncio.create_task(loop(runtime), name=loop.__name__) for loop in runtime.loops]
        log.info("service_started", port=settings.http_port)
        try:
            yield
        finally:
            # Stop consuming first (FastStream waits for in-flight handlers), then the loops.
            await runtime.broker.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await runtime.database.close()
            log.info("service_stopped")

    return lifespan


async def _observe_request(request: Request, call_next: Callable[..., Any]) -> Response:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=request.app.state.runtime.settings.service_name)
    context.bind(request.headers.get("x-correlation-id") or request.headers.get("x-request-id"))
    started = time.perf_counter()
    status = 500
    try:
        response: Response = await call_next(request)
        status = response.status_code
        response.headers["X-Correlation-ID"] = context.correlation_id()
        return response
    finally:
        route = getattr(request.scope.get("route"), "path", "unmatched")
        elapsed = time.perf_counter() - started
        HTTP_LATENCY.labels(request.method, route, str(status)).observe(elapsed)
        if route not in ("/healthz", "/readyz", "/metrics"):
            log.info(
                "http_request",
                method=request.method,
                route=route,
                status=status,
                ms=round(elapsed * 1000, 1),
            )


def _operations_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await runtime.ready()
        return JSONResponse(
            {"status": "ok" if all(checks.values()) else "unavailable", "checks": checks},
            200 if all(checks.values()) else 503,
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _topic_name(topic: Any) -> str:
    return str(getattr(topic, "name", topic))


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run under uvicorn; SIGTERM lets in-flight requests and messages finish (graceful)."""
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )
