"""Service runtime: one FastAPI app per service with health, metrics, correlation, Kafka and
MongoDB wired in, the outbox relay and background loops started and stopped with the app.

A service declares itself once in a :class:`ServiceSpec` (indexes, outbox collections, events it
publishes, HTTP routers, consumers, start-up steps, background loops); its ``bootstrap`` builds
its parts without I/O; :func:`build_app` puts the two together. See docs/service-template.md.
"""

import asyncio
import contextlib
import functools
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import structlog
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from common import context
from common.contracts.base import Event
from common.database import Database, Index
from common.http import install_error_handlers
from common.logging import configure_logging, get_logger
from common.messaging import Consumers, create_broker, ensure_topics, publish_entry
from common.metrics import HTTP_LATENCY, OUTBOX_SWEEP_INTERVAL
from common.outbox import OutboxRelay
from common.settings import ServiceSettings

log = get_logger(__name__)

BackgroundLoop = Callable[["Runtime"], Coroutine[Any, Any, None]]


class HasRuntime(Protocol):
    runtime: "Runtime"


S = TypeVar("S", bound=HasRuntime)
Step = Callable[[S], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec(Generic[S]):
    """Everything the runtime needs to know about a service, declared in its ``app.py``."""

    name: str
    title: str
    description: str
    indexes: Sequence[Index] = ()
    # Collections whose documents carry an outbox: the relay publishes them, and every write
    # with events to them wakes it (common/outbox.py).
    outbox_collections: Sequence[str] = ()
    # Declared so the AsyncAPI document lists them and their topics exist before first use.
    publishes: Sequence[type[Event]] = ()
    routers: Sequence[APIRouter] = ()
    consumers: Consumers | None = None
    # Run once at start-up, after indexes and topics, before consuming (e.g. load a key).
    startup: Sequence[Step[S]] = ()
    # Run for the app's lifetime; cancelled at shutdown.
    loops: Sequence[Step[S]] = ()
    # Named liveness checks /healthz answers 503 on when one says False (a worker pool that
    # cannot be recreated): cheap, no I/O.
    health: Mapping[str, Callable[[S], bool]] = field(default_factory=dict)


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
    health_checks: dict[str, Callable[[], bool]] = field(default_factory=dict)
    relay: OutboxRelay | None = None

    @classmethod
    def create(cls, settings: ServiceSettings) -> "Runtime":
        """No I/O: clients connect on first use. The spec names the outbox collections when the
        app is built (``build_app``); from then on their writes with events wake the relay."""
        configure_logging(settings.service_name, settings.log_level)
        runtime = cls(
            settings=settings,
            database=Database(
                settings.mongodb_url, settings.database_name, settings.mongodb_max_pool_size
            ),
            broker=create_broker(settings),
        )
        runtime.relay = OutboxRelay(
            runtime.database,
            runtime.outbox_collections,
            lambda entry: publish_entry(runtime.broker, entry),
            settings.outbox_sweep_seconds,
        )
        runtime.database.watch_outboxes(runtime.outbox_collections, runtime.relay.notify)
        OUTBOX_SWEEP_INTERVAL.set(settings.outbox_sweep_seconds)
        runtime.broker.context.set_global("runtime", runtime)
        return runtime

    def watch_outboxes(self, collections: Iterable[str]) -> None:
        """The relay publishes, and sweeps, these collections too."""
        for name in collections:
            if name not in self.outbox_collections:
                self.outbox_collections.append(name)
        if self.relay is not None:
            self.relay.watch(self.outbox_collections)
            self.database.watch_outboxes(self.outbox_collections, self.relay.notify)

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


def build_app(spec: ServiceSpec[S], service: S) -> FastAPI:
    """The service's FastAPI app: ``service`` (from bootstrap) reaches routes through
    ``app.state.service`` and handlers through the broker context ("service")."""
    runtime = service.runtime
    runtime.watch_outboxes(spec.outbox_collections)
    runtime.indexes = list(spec.indexes)
    runtime.publishes = list(spec.publishes)
    runtime.startup = [_bound(step, service) for step in spec.startup]
    runtime.loops = [_bound(loop, service) for loop in spec.loops]
    runtime.health_checks = {
        name: functools.partial(check, service) for name, check in spec.health.items()
    }
    if spec.consumers is not None:
        runtime.broker.include_router(spec.consumers.router(runtime.settings))
    runtime.broker.context.set_global("service", service)
    app = _create_app(runtime, spec.routers, title=spec.title, description=spec.description)
    app.state.service = service
    return app


def _bound(step: Step[S], service: S) -> BackgroundLoop:
    async def run(_: Runtime) -> None:
        await step(service)

    run.__name__ = getattr(step, "__name__", "step")
    return run


def _create_app(
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
        if runtime.relay is None:  # a runtime assembled by hand (tests)
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
    async def healthz() -> JSONResponse:
        checks = {name: bool(check()) for name, check in runtime.health_checks.items()}
        healthy = all(checks.values())
        body: dict[str, Any] = {"status": "ok" if healthy else "unavailable"}
        if checks:
            body["checks"] = checks
        return JSONResponse(body, 200 if healthy else 503)

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
