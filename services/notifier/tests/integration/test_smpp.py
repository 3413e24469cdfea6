"""The SMPP adapter against a real SMPP peer over TCP (smpp34's server in this process): the bind,
what a submit_sm carries, throttling, the submit window, receipts, rebinding after the session
is lost and after the SMSC was down, and the enquire_link the library sends by itself."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from notifier.domain.errors import (
    ESME_RINVDSTADR,
    ESME_RTHROTTLED,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifier.domain.sms import GSM7, UCS2, DeliveryReceipt, OutgoingSms, encode, line_code_text
from notifier.settings import NotifierSettings
from tests.support import free_port

from .smsc_peer import BarePeer, running_gateway, smsc_peer

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def settings(port: int, **changes: Any) -> NotifierSettings:
    values: dict[str, Any] = {
        "smpp_port": port,
        "smpp_system_id": "notifier",
        "smpp_password": "pruebas",
        "smpp_window": 4,
        "smpp_bind_wait_seconds": 0.5,
        "smpp_window_wait_seconds": 0.5,
        "smpp_submit_timeout_seconds": 5.0,
        "smpp_reconnect_base_seconds": 0.1,
        "smpp_reconnect_max_seconds": 0.5,
    }
    return NotifierSettings(**(values | changes))


def code_sms(delivery_id: str = "d1") -> OutgoingSms:
    text = line_code_text("Mi Claro", "482913", NOW + timedelta(minutes=10))
    return OutgoingSms("593991234567", text, delivery_id)


def clock() -> datetime:
    return NOW


async def test_an_sms_is_submitted_on_the_bind_with_its_coding_and_addresses() -> None:
    port = free_port()
    async with smsc_peer(port) as peer, running_gateway(settings(port), clock) as running:
        await running.bound()
        peer.answer = lambda event: "abc-123"
        message_id = await running.gateway.send(code_sms(), NOW + timedelta(minutes=10))
        assert message_id == "abc-123"
        [esme] = peer.binds
        assert esme.system_id == "notifier"
        [submit] = peer.submits
        assert submit.destination_addr == "593991234567"
        assert (submit.dest_addr_ton, submit.dest_addr_npi) == (1, 1)
        assert (submit.source_addr, submit.source_addr_ton) == ("MiClaro", 5)
        assert submit.data_coding == UCS2 and submit.registered_delivery == 1
        assert submit.short_message.decode("utf-16-be") == code_sms().text.text


async def test_gsm_text_goes_as_data_coding_0() -> None:
    port = free_port()
    async with smsc_peer(port) as peer, running_gateway(settings(port), clock) as running:
        await running.bound()
        text = encode("Tu clave: 1234 {ok} 5€")
        await running.gateway.send(OutgoingSms("593991234567", text, "d1"), None)
        [submit] = peer.submits
        assert submit.data_coding == GSM7
        assert submit.short_message == text.payload
        assert submit.short_message.decode("gsm03.38") == text.text


async def test_throttled_is_transient_and_refused_destination_is_not() -> None:
    port = free_port()
    async with smsc_peer(port) as peer, running_gateway(settings(port), clock) as running:
        await running.bound()
        peer.answer = lambda event: ESME_RTHROTTLED
        with pytest.raises(TransientDeliveryError) as throttled:
            await running.gateway.send(code_sms(), None)
        assert throttled.value.code == ESME_RTHROTTLED
        peer.answer = lambda event: ESME_RINVDSTADR
        with pytest.raises(PermanentDeliveryError) as refused:
            await running.gateway.send(code_sms(), None)
        assert refused.value.code == ESME_RINVDSTADR
        assert running.gateway.bound and len(peer.binds) == 1


async def test_the_window_bounds_the_submits_in_flight() -> None:
    port = free_port()
    config = settings(port, smpp_window=2)
    async with smsc_peer(port) as peer, running_gateway(config, clock) as running:
        await running.bound()
        peer.answer = lambda event: None  # hold every submit
        first = [asyncio.create_task(running.gateway.send(code_sms(f"d{n}"), None)) for n in (1, 2)]
        await peer.wait_until(lambda: len(peer.held) == 2)
        with pytest.raises(TransientDeliveryError, match="window full"):
            await running.gateway.send(code_sms("d3"), None)
        assert len(peer.submits) == 2  # the third never reached the SMSC
        for n, event in enumerate(peer.held):
            event.accept(f"m-{n}")
        assert sorted(await asyncio.gather(*first)) == ["m-0", "m-1"]
        peer.answer = lambda event: "m-4"
        assert await running.gateway.send(code_sms("d4"), None) == "m-4"


async def test_an_expired_deadline_is_never_submitted() -> None:
    port = free_port()
    async with smsc_peer(port) as peer, running_gateway(settings(port), clock) as running:
        await running.bound()
        with pytest.raises(TransientDeliveryError, match="expired"):
            await running.gateway.send(code_sms(), NOW)
        assert peer.submits == []


async def test_a_receipt_is_handed_over() -> None:
    port = free_port()
    async with smsc_peer(port) as peer, running_gateway(settings(port), clock) as running:
        await running.bound()
        esme = await peer.session()
        text = b"id:abc-123 sub:001 dlvrd:001 submit date:2611271200 done date:2611271201"
        response = await esme.deliver_sm(
            "593991234567",
            text + b" stat:DELIVRD err:000 text:",
            source_addr="593991234567",
            esm_class=0x04,
        )
        assert response.is_success
        receipt = await asyncio.wait_for(running.receipts.get(), 10)
        assert receipt == DeliveryReceipt("abc-123", "DELIVRD", "000")


async def test_a_lost_session_is_bound_again() -> None:
    port = free_port()
    async with smsc_peer(port) as peer, running_gateway(settings(port), clock) as running:
        await running.bound()
        await (await peer.session()).unbind()
        await peer.wait_until(lambda: len(peer.binds) == 2)
        await running.bound()
        assert await running.gateway.send(code_sms(), None) == "m-1"


async def test_while_the_smsc_is_down_sends_fail_transiently_then_go_through() -> None:
    port = free_port()  # nothing listens yet: every bind is refused
    async with running_gateway(settings(port), clock) as running:
        with pytest.raises(TransientDeliveryError, match="not bound"):
            await running.gateway.send(code_sms(), None)
        async with smsc_peer(port) as peer:
            await running.bound()
            assert await running.gateway.send(code_sms(), None) == "m-1"
            assert len(peer.submits) == 1


async def test_a_bind_the_smsc_drops_is_retried() -> None:
    # A listener that accepts and closes at once: the bind never completes.
    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    config = settings(port, smpp_connect_timeout_seconds=0.5)
    async with running_gateway(config, clock) as running:
        await asyncio.sleep(1.5)
        assert not running.gateway.bound
        server.close()
        await server.wait_closed()
        async with smsc_peer(port):
            await running.bound()


async def test_the_library_sends_enquire_link_by_itself() -> None:
    """Why the adapter has no keep-alive of its own (smpp34: every 30 s on an idle bind)."""
    peer = BarePeer()
    port = await peer.start()
    try:
        async with running_gateway(settings(port), clock) as running:
            await running.bound()
            for _ in range(450):
                if 0x00000015 in peer.commands:
                    break
                await asyncio.sleep(0.1)
        assert peer.commands[0] == 0x00000009 and 0x00000015 in peer.commands
    finally:
        await peer.stop()
