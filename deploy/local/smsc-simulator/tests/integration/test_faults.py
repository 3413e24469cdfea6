"""Fault controls seen from real clients: refused binds, throttling, dropped connections."""

import httpx
import pytest
import smpp34

from smsc_simulator.pdu import Status
from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.testing import Connect, Raw, next_event, until


async def control(http: httpx.AsyncClient, **body: object) -> dict:
    answer = await http.post("/api/control", json=body)
    assert answer.status_code == 200, answer.text
    state: dict = answer.json()
    return state


async def test_refuse_binds_closes_sessions_then_ends_by_itself(
    connect: Connect, raw: Raw, http: httpx.AsyncClient, settings: SimulatorSettings
) -> None:
    smsc = await connect()
    state = await control(http, mode="refuse_binds", seconds=1)
    assert state["mode"] == "refuse_binds"
    assert isinstance(await next_event(smsc), smpp34.Disconnected)
    esme = await raw()
    header = await esme.bind(settings.system_id, settings.password.get_secret_value())
    assert header.status == Status.ESME_RBINDFAIL
    assert await esme.closed_by_peer()

    async def normal_again() -> bool:
        return (await http.get("/api/control")).json()["mode"] == "normal"

    await until(normal_again)
    again = await connect()
    assert (await again.submit_sm(destination_addr="593990000002", short_message=b"x")).is_success


async def test_refuse_binds_without_seconds_lasts_until_normal(
    connect: Connect, http: httpx.AsyncClient
) -> None:
    await control(http, mode="refuse_binds")
    with pytest.raises(smpp34.SmppError):
        await connect()
    await control(http, mode="normal")
    assert await connect()


async def test_throttle_answers_0x58_and_keeps_nothing(
    connect: Connect, http: httpx.AsyncClient
) -> None:
    smsc = await connect()
    await control(http, mode="throttle", seconds=60)
    answer = await smsc.submit_sm(destination_addr="593990000003", short_message=b"no")
    assert answer.command_status == Status.ESME_RTHROTTLED == 0x58
    assert answer.message_id is None
    assert (await http.get("/api/messages", params={"to": "593990000003"})).json() == []
    await control(http, mode="normal")
    assert (await smsc.submit_sm(destination_addr="593990000003", short_message=b"si")).is_success


async def test_drop_disconnects_every_client_once(
    connect: Connect, http: httpx.AsyncClient
) -> None:
    first, second = await connect(), await connect()
    state = await control(http, mode="drop")
    assert state == {"mode": "normal", "until": None}
    assert isinstance(await next_event(first), smpp34.Disconnected)
    assert isinstance(await next_event(second), smpp34.Disconnected)
    assert (await http.get("/api/sessions")).json()["bound"] == 0
    assert await connect()  # one shot: binds work right after
