"""What an ESME submits comes back through the HTTP API as text; receipts follow."""

import secrets

import httpx
import smpp34

from smsc_simulator import gsm7
from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.testing import Connect, next_event


def number() -> str:
    """A fresh destination per test: tests isolate themselves by number."""
    return f"59399{secrets.randbelow(10**7):07d}"


async def read_back(http: httpx.AsyncClient, to: str) -> list[dict]:
    answer = await http.get("/api/messages", params={"to": to})
    assert answer.status_code == 200
    messages: list[dict] = answer.json()
    return messages


async def test_gsm7_text_with_escapes_reads_back(
    connect: Connect, http: httpx.AsyncClient, settings: SimulatorSettings
) -> None:
    smsc = await connect()
    to = number()
    text = "¡Hola Ñandú! Pago {total}: 5€ [ok] @casa"  # ú is not GSM-7: it is sent as '?'
    answer = await smsc.submit_sm(
        destination_addr=to, short_message=gsm7.encode(text), source_addr="Telco", data_coding=0
    )
    assert answer.is_success
    [message] = await read_back(http, f"+{to}")
    assert message["text"] == "¡Hola Ñand?! Pago {total}: 5€ [ok] @casa"
    assert message["message_id"] == answer.message_id
    assert (message["to"], message["from"], message["data_coding"]) == (to, "Telco", 0)
    assert message["system_id"] == settings.system_id
    assert bytes.fromhex(message["raw_hex"]).endswith(gsm7.encode(text))


async def test_ucs2_text_reads_back(connect: Connect, http: httpx.AsyncClient) -> None:
    smsc = await connect()
    to = number()
    text = "¿Código? Tu clave es 482913 ✓ 😀"
    answer = await smsc.submit_sm(
        destination_addr=to,
        short_message=text.encode("utf-16-be"),
        source_addr="Telco",
        data_coding=8,
    )
    assert answer.is_success
    [message] = await read_back(http, to)
    assert message["text"] == text
    assert message["data_coding"] == 8


async def test_message_payload_reads_back(connect: Connect, http: httpx.AsyncClient) -> None:
    smsc = await connect()
    to = number()
    text = "Mensaje largo " * 30  # over short_message's 254 octets in UCS-2
    payload = smpp34.Tlv(smpp34.TLV_MESSAGE_PAYLOAD, text.encode("utf-16-be"))
    answer = await smsc.submit_sm(destination_addr=to, data_coding=8, tlvs=[payload])
    assert answer.is_success
    [message] = await read_back(http, to)
    assert message["text"] == text


async def test_the_receipt_carries_the_message_id(
    connect: Connect, http: httpx.AsyncClient
) -> None:
    smsc = await connect()
    to = number()
    answer = await smsc.submit_sm(
        destination_addr=to,
        short_message="Su código: 123456".encode("utf-16-be"),
        source_addr="Telco",
        data_coding=8,
        registered_delivery=1,
    )
    event = await next_event(smsc)
    assert isinstance(event, smpp34.DeliverSmEvent)
    assert event.esm_class == 0x04
    assert (event.source_addr, event.destination_addr) == (to, "Telco")
    tlvs = {tlv.tag: tlv for tlv in event.tlvs}
    assert tlvs[smpp34.TLV_RECEIPTED_MESSAGE_ID].as_string() == answer.message_id
    assert tlvs[smpp34.TLV_MESSAGE_STATE].as_int() == 2
    receipt = gsm7.decode(event.short_message)
    assert receipt.startswith(f"id:{answer.message_id} sub:001 dlvrd:001 submit date:")
    assert "stat:DELIVRD err:000 text:Su c?digo: 123456" in receipt
    [message] = await read_back(http, to)
    assert message["registered_delivery"] == 1


async def test_a_transmitter_receipt_goes_to_the_receiver_session(connect: Connect) -> None:
    transmitter = await connect(bind_type="TX")
    receiver = await connect(bind_type="RX")
    to = number()
    answer = await transmitter.submit_sm(
        destination_addr=to, short_message=b"hola", registered_delivery=1
    )
    event = await next_event(receiver)
    assert isinstance(event, smpp34.DeliverSmEvent)
    tlvs = {tlv.tag: tlv for tlv in event.tlvs}
    assert tlvs[smpp34.TLV_RECEIPTED_MESSAGE_ID].as_string() == answer.message_id


async def test_many_sessions_at_once(connect: Connect, http: httpx.AsyncClient) -> None:
    sessions = [await connect() for _ in range(5)]
    to = number()
    for index, smsc in enumerate(sessions):
        assert (await smsc.submit_sm(destination_addr=to, short_message=b"%d" % index)).is_success
    assert (await http.get("/api/sessions")).json()["bound"] == 5
    texts = [message["text"] for message in await read_back(http, to)]
    assert texts == ["4", "3", "2", "1", "0"]


async def test_delete_clears_the_messages(connect: Connect, http: httpx.AsyncClient) -> None:
    smsc = await connect()
    to = number()
    await smsc.submit_sm(destination_addr=to, short_message=b"uno")
    assert len(await read_back(http, to)) == 1
    assert (await http.delete("/api/messages")).status_code == 200
    assert await read_back(http, to) == []
