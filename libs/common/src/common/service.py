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
from datetime import UTC, datetime, timedelta
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
from common.http import ERROR_RESPONSES, install_error_handlers
from common.kafka_security import client_kwargs
from common.logging import configure_logging, get_logger
from common.messaging import Consumers, create_broker, ensure_topics, publish_entry
from common.metrics import HTTP_LATENCY, KAFKA_REACHABLE, OUTBOX_SWEEP_INTERVAL
from common.outbox import OutboxRelay
from common.settings import ServiceSettings

log = get_logger(__name__)

# The checks /readyz answers 503 without: what a request needs. Kafka is not among them.
READY_NEEDS = ("database",)
PROCESSED_EVENTS_CLEAN_UP_SECONDS = 3600.0

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
    kafka_connected: bool = False

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
        runtime.relay = _relay(runtime)
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
        """What serving needs (the database) and what it does not (Kafka: the outbox keeps the
        events meanwhile, consumers resume from their committed offsets). See READY_NEEDS."""
        # Kafka's answer is only reported: a short wait keeps the probe inside its timeout.
        database, broker = await asyncio.gather(self.database.ping(), self.broker.ping(timeout=1.0))
        KAFKA_REACHABLE.set(1 if broker else 0)
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
        app.include_router(router, responses=ERROR_RESPONSES)
    return app


def _lifespan(runtime: Runtime) -> Callable[[FastAPI], Any]:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = runtime.settings
        await runtime.database.ensure_indexes(runtime.indexes)
        # Topics before the start-up steps when Kafka answers (a step may read them); when it
        # does not, the service serves anyway and the background connection creates them.
        topics = await _ensure_topics(runtime)
        for step in runtime.startup:
            await step(runtime)
        if runtime.relay is None:  # a runtime assembled by hand (tests)
            runtime.relay = _relay(runtime)
        # Consuming and publishing start now when Kafka answers. When it does not, the service
        # serves anyway: connecting goes on in the background until it succeeds, and the outbox
        # keeps the events meanwhile.
        connected = topics and await _start_broker(runtime)
        kafka = asyncio.create_task(_connect_kafka(runtime, connected), name="kafka")
        tasks = [asyncio.create_task(loop(runtime), name=loop.__name__) for loop in runtime.loops]
        tasks.append(asyncio.create_task(_clean_up_processed(runtime), name="processed-events"))
        log.info("service_started", port=settings.http_port)
        try:
            yield
        finally:
            # Stop consuming first (FastStream waits for in-flight handlers), then the loops.
            if not runtime.kafka_connected:
                kafka.cancel()
            await runtime.broker.stop()
            for task in [kafka, *tasks]:
                task.cancel()
            await asyncio.gather(kafka, *tasks, return_exceptions=True)
            await runtime.database.close()
            log.info("service_stopped")

    return lifespan


def _relay(runtime: Runtime) -> OutboxRelay:
    return OutboxRelay(
        runtime.database,
        runtime.outbox_collections,
        lambda entry: publish_entry(runtime.broker, entry),
        runtime.settings.outbox_sweep_seconds,
        max_attempts=runtime.settings.outbox_max_attempts,
        kafka_reachable=lambda: runtime.broker.ping(timeout=5.0),
    )


async def _ensure_topics(runtime: Runtime) -> bool:
    settings = runtime.settings
    try:
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            runtime.topics(),
            settings.kafka_topic_partitions,
            settings.kafka_topic_replication,
            **client_kwargs(settings),
        )
    except Exception as exc:
        KAFKA_REACHABLE.set(0)
        log.warning("kafka_unreachable", step="topics", error=f"{type(exc).__name__}: {exc}")
        return False
    return True


async def _start_broker(runtime: Runtime) -> bool:
    try:
        await runtime.broker.start()
    except Exception as exc:
        KAFKA_REACHABLE.set(0)
        log.warning("kafka_unreachable", step="broker", error=f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(Exception):
            await runtime.broker.stop()  # a half-started broker starts afresh next time
        return False
    return True


async def _connect_kafka(
    runtime: Runtime, connected: bool, first_delay: float = 1.0, max_delay: float = 10.0
) -> None:
    """Unless connected at start-up: create the topics and start the broker (producer and
    consumers), retrying until Kafka answers. Then run the outbox relay, which publishes what
    was written meanwhile."""
    delay = first_delay
    while not connected:
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)
        connected = await _ensure_topics(runtime) and await _start_broker(runtime)
    runtime.kafka_connected = True
    KAFKA_REACHABLE.set(1)
    log.info("kafka_connected")
    assert runtime.relay is not None
    await runtime.relay.run()


async def _clean_up_processed(runtime: Runtime) -> None:
    """processed_events would grow with every event consumed: forget what is older than the
    retention (FerretDB has no TTL index; an index on processed_at serves the delete)."""
    retention = timedelta(days=runtime.settings.processed_events_retention_days)
    while True:
        try:
            deleted = await runtime.database.forget_processed(datetime.now(UTC) - retention)
            if deleted:
                log.info("processed_events_cleaned", deleted=deleted)
        except Exception:
            log.exception("processed_events_clean_up_failed")
        await asyncio.sleep(PROCESSED_EVENTS_CLEAN_UP_SECONDS)


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
        ready = all(checks[name] for name in READY_NEEDS)
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            200 if ready else 503,
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
        timeout_graceful_shutdown=settings.http_drain_seconds,
    )
