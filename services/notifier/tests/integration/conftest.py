"""Fixtures for the notifier's tests against real FerretDB / Kafka / Mailpit: settings on a
database of their own, the app built or started (lifespan) with its consumers on topics of the
test run, and two tiny SMTP stand-ins for the failure paths: a server that refuses every
recipient with 550, and a TCP forwarder that makes the real Mailpit "come back" on a port that
refused connections before."""

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from common.database import Database
from common.messaging import Consumers
from common.service import ServiceSpec, build_app
from notifier.adapters.store import INDEXES
from notifier.app import SPEC, build
from notifier.bootstrap import Notifier, bootstrap
from notifier.settings import NotifierSettings
from tests import support
from tests.support import KAFKA, MONGODB, free_port

MAILPIT_SMTP = ("127.0.0.1", 1025)


@pytest.fixture
async def make_settings() -> AsyncIterator[Callable[..., NotifierSettings]]:
    """Settings on a database of their own (dropped afterwards), fast retries."""
    names: list[str] = []

    def make(**overrides: Any) -> NotifierSettings:
        name = f"notifier_test_{uuid.uuid4().hex[:10]}"
        names.append(name)
        values: dict[str, Any] = {
            "mongodb_url": MONGODB,
            "mongodb_database": name,
            "kafka_bootstrap_servers": KAFKA,
            "app_env": "test",
            "retry_base_seconds": 0.05,
            "retry_max_seconds": 0.2,
            "retry_poll_seconds": 0.1,
            "consumer_backoff_seconds": 0.05,
            "outbox_sweep_seconds": 0.5,
            "smtp_timeout_seconds": 5.0,
            # No SMSC unless a test starts one (never the local stack's simulator).
            "smpp_port": free_port(),
            "smpp_bind_wait_seconds": 0.5,
            "smpp_reconnect_base_seconds": 0.1,
            "smpp_reconnect_max_seconds": 0.5,
        }
        return NotifierSettings(**(values | overrides))

    yield make
    database = Database(MONGODB, "admin")
    try:
        for name in names:
            await database.client.drop_database(name)
    finally:
        await database.close()


@pytest.fixture
async def make_app(
    make_settings: Callable[..., NotifierSettings],
) -> AsyncIterator[Callable[..., Awaitable[FastAPI]]]:
    """The real app (not started): indexes created and start-up steps run (the first start
    recorded), so handlers can run under TestKafkaBroker.
    Keywords are settings; ``parts`` replaces parts of the service (see bootstrap)."""
    apps: list[FastAPI] = []

    async def make(parts: dict[str, Any] | None = None, **overrides: Any) -> FastAPI:
        app = build(make_settings(**overrides), **(parts or {}))
        apps.append(app)
        runtime = app.state.runtime
        await runtime.database.ensure_indexes(INDEXES)
        for step in runtime.startup:  # as the lifespan does before consuming
            await step(runtime)
        return app

    yield make
    for app in apps:
        await app.state.runtime.database.close()


@pytest.fixture
def isolated() -> ServiceSpec[Notifier]:
    """notifier's spec with its consumers on topics of this test run (same handlers, same
    schema, same event_type) in a group of the run."""
    assert SPEC.consumers is not None
    run = uuid.uuid4().hex[:8]
    # A group of its own: joining "notifier" would rebalance the stack's notifier each time.
    consumers = Consumers(group=f"{SPEC.consumers.group}-test-{run}")
    for declared in SPEC.consumers.declared:
        contract = declared.event
        local = type(contract.__name__, (contract,), {"__module__": __name__})
        local.topic = f"test-{run}.{contract.topic}"
        consumers(local, declared.description)(declared.handler)
    return dataclasses.replace(SPEC, consumers=consumers)


@pytest.fixture
async def start(
    make_settings: Callable[..., NotifierSettings], isolated: ServiceSpec[Notifier]
) -> AsyncIterator[Callable[..., Any]]:
    stack = []

    async def run(**overrides: Any) -> FastAPI:
        app = build_app(isolated, bootstrap(make_settings(**overrides)))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stack.append(lifespan)
        return app

    yield run
    for lifespan in reversed(stack):
        await lifespan.__aexit__(None, None, None)


class RefusingSmtp:
    """Answers like a real MTA until RCPT, which it refuses for good (550)."""

    def __init__(self) -> None:
        self.rcpts: list[str] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self.port

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 refuse.test ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250 refuse.test\r\n")
                elif verb in (b"MAIL", b"RSET", b"NOOP"):
                    writer.write(b"250 2.0.0 OK\r\n")
                elif verb == b"RCPT":
                    self.rcpts.append(line.decode().strip())
                    writer.write(b"550 5.1.1 Recipient address rejected: User unknown\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 2.0.0 Bye\r\n")
                    break
                else:
                    writer.write(b"502 5.5.2 Command not recognized\r\n")
                await writer.drain()
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def refusing_smtp() -> AsyncIterator[RefusingSmtp]:
    server = RefusingSmtp()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def closed_port() -> Callable[[], int]:
    return free_port


@pytest.fixture
def forwarder() -> Callable[..., contextlib.AbstractAsyncContextManager[None]]:
    return forward


def forward(
    port: int, target: tuple[str, int] = MAILPIT_SMTP
) -> contextlib.AbstractAsyncContextManager[None]:
    """Listen on ``port`` and pipe every connection to ``target`` (the real Mailpit)."""
    return support.forward(port, target)
