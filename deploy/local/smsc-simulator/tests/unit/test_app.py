"""The HTTP API over a simulator whose SMPP side is not listening (no sockets needed)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from smsc_simulator.app import create_app
from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.simulator import Simulator
from smsc_simulator.store import Message


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(SimulatorSettings(system_id="telco", password="pw"))


@pytest.fixture
async def http(simulator: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(simulator))
    async with httpx.AsyncClient(transport=transport, base_url="http://smsc.test") as client:
        yield client


FIELDS = {"message_id", "to", "from", "text", "data_coding", "received_at", "system_id"}
FIELDS |= {"raw_hex", "registered_delivery"}


def stored(message_id: str, to: str) -> Message:
    return Message(message_id, to, "Telco", "hola", 0, "2025-01-01T00:00:00Z", "telco", "00", 1)


async def test_healthz_and_no_sessions(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).status_code == 200
    assert (await http.get("/api/sessions")).json()["bound"] == 0


async def test_messages_by_number_newest_first(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.store.add(stored("a", "593991234567"))
    simulator.store.add(stored("b", "593990000000"))
    simulator.store.add(stored("c", "593991234567"))
    found = (await http.get("/api/messages", params={"to": "+593991234567"})).json()
    assert [m["message_id"] for m in found] == ["c", "a"]
    assert set(found[0]) >= FIELDS
    assert len((await http.get("/api/messages", params={"limit": 2})).json()) == 2
    assert (await http.delete("/api/messages")).json() == {"deleted": 3}
    assert (await http.get("/api/messages")).json() == []


async def test_control_sets_and_reports_the_mode(http: httpx.AsyncClient) -> None:
    answer = await http.post("/api/control", json={"mode": "throttle", "seconds": 30})
    assert answer.status_code == 200
    assert answer.json()["mode"] == "throttle"
    assert answer.json()["until"] is not None
    assert (await http.get("/api/control")).json() == answer.json()
    await http.post("/api/control", json={"mode": "normal"})
    assert (await http.get("/api/control")).json() == {"mode": "normal", "until": None}


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "explode"},
        {"mode": "drop", "seconds": 5},
        {"mode": "normal", "seconds": 5},
        {"mode": "throttle", "seconds": 0},
        {"mode": "throttle", "extra": 1},
    ],
)
async def test_control_refuses_what_it_cannot_do(http: httpx.AsyncClient, body: dict) -> None:
    assert (await http.post("/api/control", json=body)).status_code == 422
    assert (await http.get("/api/control")).json()["mode"] == "normal"
