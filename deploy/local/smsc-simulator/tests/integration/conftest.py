"""The simulator started in the test's loop on free ports, with a fresh account per test, and
real smpp34 clients that are always stopped (a live smpp34 session at interpreter exit aborts)."""

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import smpp34

from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.testing import TIMEOUT, Connect, RawEsme, Running, running


@pytest.fixture
def settings() -> SimulatorSettings:
    return SimulatorSettings(
        system_id=f"t{secrets.token_hex(4)}",
        password=secrets.token_urlsafe(6)[:8],
        receipt_delay_ms=10,
    )


@pytest.fixture
async def sim(settings: SimulatorSettings) -> AsyncIterator[Running]:
    async with running(settings) as simulator:
        yield simulator


@pytest.fixture
async def http(sim: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.http_url, timeout=TIMEOUT) as client:
        yield client


@pytest.fixture
async def clients(sim: Running) -> AsyncIterator[list[smpp34.Client]]:
    made: list[smpp34.Client] = []
    yield made
    for client in made:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), TIMEOUT)


@pytest.fixture
def connect(sim: Running, settings: SimulatorSettings, clients: list[smpp34.Client]) -> Connect:
    """``await connect(**overrides)``: a bound smpp34 session (TRX, this test's account)."""

    async def make(**overrides: Any) -> smpp34.Smsc:
        options: dict[str, Any] = {
            "system_id": settings.system_id,
            "password": settings.password.get_secret_value(),
            "bind_type": "TRX",
            "connect_timeout_ms": 2000,
        }
        options.update(overrides)
        client = smpp34.Client(sim.host, sim.smpp_port, **options)
        clients.append(client)
        return await asyncio.wait_for(client.connect(), TIMEOUT)

    return make


@pytest.fixture
async def raw(sim: Running) -> AsyncIterator[Callable[[], Awaitable[RawEsme]]]:
    """``await raw()``: a bare TCP peer of the SMPP port, closed after the test."""
    opened: list[RawEsme] = []

    async def make() -> RawEsme:
        esme = await RawEsme.connect(sim.host, sim.smpp_port)
        opened.append(esme)
        return esme

    yield make
    for esme in opened:
        await esme.close()
