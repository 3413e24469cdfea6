"""Binds, unbind and the session rules, through smpp34's client and a bare TCP peer."""

import httpx
import pytest
import smpp34

from smsc_simulator import pdu
from smsc_simulator.pdu import Command, Status
from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.testing import Connect, Raw, next_event, until


async def test_a_good_bind_is_a_bound_session(connect: Connect, http: httpx.AsyncClient) -> None:
    smsc = await connect()
    sessions = (await http.get("/api/sessions")).json()
    assert sessions["bound"] == 1
    assert sessions["sessions"][0]["bind_type"] == "TRX"
    await smsc.unbind()

    async def none_bound() -> bool:
        return (await http.get("/api/sessions")).json()["bound"] == 0

    await until(none_bound)


async def test_a_wrong_password_is_refused(
    connect: Connect, raw: Raw, settings: SimulatorSettings, http: httpx.AsyncClient
) -> None:
    # smpp34 1.5.0 reports a refused bind only as a failed connect (no status): the status is
    # checked with the bare peer below.
    with pytest.raises(smpp34.SmppError):
        await connect(password="wrong")
    esme = await raw()
    header = await esme.bind(settings.system_id, "wrong")
    assert header.command_id == Command.BIND_TRANSCEIVER | pdu.RESPONSE_BIT
    assert header.status == Status.ESME_RINVPASWD
    assert await esme.closed_by_peer()
    assert (await http.get("/api/sessions")).json()["bound"] == 0


async def test_an_unknown_system_id_is_refused(raw: Raw, settings: SimulatorSettings) -> None:
    esme = await raw()
    header = await esme.bind("intruso", settings.password.get_secret_value())
    assert header.status == Status.ESME_RINVSYSID
    assert await esme.closed_by_peer()


@pytest.mark.parametrize("bind", [Command.BIND_TRANSMITTER, Command.BIND_RECEIVER])
async def test_transmitter_and_receiver_binds(
    raw: Raw, settings: SimulatorSettings, bind: Command
) -> None:
    esme = await raw()
    header = await esme.bind(settings.system_id, settings.password.get_secret_value(), bind)
    assert header.command_id == bind | pdu.RESPONSE_BIT
    assert header.status == Status.ESME_ROK


async def test_a_second_bind_on_a_bound_session_is_refused(
    raw: Raw, settings: SimulatorSettings
) -> None:
    esme = await raw()
    password = settings.password.get_secret_value()
    assert (await esme.bind(settings.system_id, password)).status == Status.ESME_ROK
    assert (await esme.bind(settings.system_id, password)).status == Status.ESME_RALYBND


async def test_submit_before_bind_is_refused(raw: Raw) -> None:
    esme = await raw()
    submit = smpp34.SubmitSm("Telco", "593991234567", b"hola", sequence_number=1).encode()
    esme.writer.write(submit)
    header, body = await esme.read()
    assert header.command_id == Command.SUBMIT_SM_RESP
    assert header.status == Status.ESME_RINVBNDSTS
    assert body == b""


async def test_a_receiver_may_not_submit(raw: Raw, settings: SimulatorSettings) -> None:
    esme = await raw()
    password = settings.password.get_secret_value()
    await esme.bind(settings.system_id, password, Command.BIND_RECEIVER)
    esme.writer.write(smpp34.SubmitSm("Telco", "593991234567", b"x", sequence_number=9).encode())
    header, _ = await esme.read()
    assert (header.command_id, header.status, header.sequence) == (
        Command.SUBMIT_SM_RESP,
        Status.ESME_RINVBNDSTS,
        9,
    )


async def test_enquire_link_and_unbind(raw: Raw, settings: SimulatorSettings) -> None:
    esme = await raw()
    await esme.bind(settings.system_id, settings.password.get_secret_value())
    sequence = await esme.send(Command.ENQUIRE_LINK)
    header, _ = await esme.read()
    assert (header.command_id, header.sequence) == (Command.ENQUIRE_LINK_RESP, sequence)
    sequence = await esme.send(Command.UNBIND)
    header, _ = await esme.read()
    assert (header.command_id, header.status, header.sequence) == (
        Command.UNBIND_RESP,
        Status.ESME_ROK,
        sequence,
    )
    assert await esme.closed_by_peer()


async def test_an_unknown_command_gets_generic_nack(raw: Raw, settings: SimulatorSettings) -> None:
    esme = await raw()
    await esme.bind(settings.system_id, settings.password.get_secret_value())
    sequence = await esme.send(0x00000099, b"junk")
    header, _ = await esme.read()
    assert (header.command_id, header.status, header.sequence) == (
        Command.GENERIC_NACK,
        Status.ESME_RINVCMDID,
        sequence,
    )


async def test_a_bad_command_length_closes_the_connection(raw: Raw) -> None:
    esme = await raw()
    esme.writer.write(pdu.HEADER.pack(8, Command.ENQUIRE_LINK, 0, 1))
    header, _ = await esme.read()
    assert (header.command_id, header.status) == (Command.GENERIC_NACK, Status.ESME_RINVCMDLEN)
    assert await esme.closed_by_peer()


async def test_a_stuck_peer_does_not_hold_up_others(
    raw: Raw, connect: Connect, http: httpx.AsyncClient
) -> None:
    stuck = await raw()
    stuck.writer.write(pdu.HEADER.pack(100, Command.BIND_TRANSCEIVER, 0, 1)[:10])  # half a header
    smsc = await connect()
    answer = await smsc.submit_sm(destination_addr="593990000001", short_message=b"ok")
    assert answer.is_success
    assert len((await http.get("/api/messages", params={"to": "593990000001"})).json()) == 1
    await smsc.unbind()
    assert isinstance(await next_event(smsc), smpp34.Disconnected)
