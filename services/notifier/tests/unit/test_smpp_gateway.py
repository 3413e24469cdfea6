"""The SMPP adapter's bind loop with smpp34's client replaced (no socket): binds refused back off
exponentially up to the cap, a lost session binds again after the first pause, each client is
stopped and a bound one unbound, receipts are handed over, sends wait for no bind forever."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
import smpp34

from notifier.adapters import smpp as adapter
from notifier.adapters.smpp import SETTLE_SECONDS, SmppGateway
from notifier.domain.errors import TransientDeliveryError
from notifier.domain.sms import DeliveryReceipt, OutgoingSms, encode
from notifier.settings import NotifierSettings

from .fakes import T0, FakeClock

SETTINGS = NotifierSettings(
    smpp_reconnect_base_seconds=0.5, smpp_reconnect_max_seconds=4.0, smpp_bind_wait_seconds=0.05
)


class Disconnected:
    """Stands in for smpp34.Disconnected (which Python cannot create)."""


@dataclass
class Receipt:
    short_message: bytes
    esm_class: int = 0x04
    tlvs: list[Any] = field(default_factory=list)


@dataclass
class Session:
    events: list[Any]
    unbound: bool = False
    session_id: str = "s-1"

    async def next(self) -> Any:
        return self.events.pop(0) if self.events else Disconnected()

    async def unbind(self) -> None:
        self.unbound = True


@dataclass
class Script:
    """What each successive Client.connect() does: an exception to raise or a Session."""

    outcomes: list[Any]
    clients: list["FakeClient"] = field(default_factory=list)


def fake_client(script: Script) -> type:
    class Client(FakeClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(script, kwargs)

    return Client


class FakeClient:
    def __init__(self, script: Script, options: dict[str, Any]) -> None:
        self.script, self.options, self.stopped = script, options, False
        script.clients.append(self)

    async def connect(self) -> Any:
        outcome = self.script.outcomes.pop(0) if self.script.outcomes else smpp34.SmppError("no")
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def stop(self) -> None:
        self.stopped = True


@pytest.fixture
async def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff pauses asked for (the settle pause left out); the 8th one cancels the loop.
    Tasks already running before the test (leftovers on the shared loop) sleep for real."""
    asked: list[float] = []
    others = asyncio.all_tasks()

    async def instant(delay: float) -> None:
        if asyncio.current_task() in others:
            return await real_sleep(delay)
        if delay != SETTLE_SECONDS:
            asked.append(delay)
        if len(asked) >= 8:
            raise asyncio.CancelledError
        await real_sleep(0)

    real_sleep = asyncio.sleep
    monkeypatch.setattr(adapter.asyncio, "sleep", instant)
    return asked


async def test_refused_binds_back_off_and_a_lost_session_binds_again(
    monkeypatch: pytest.MonkeyPatch, pauses: list[float]
) -> None:
    refused = smpp34.SmppError("TCP connect to 127.0.0.1:2775 failed: Connection refused")
    session = Session([Receipt(b"id:m-7 stat:DELIVRD err:000"), Receipt(b"hola", esm_class=0)])
    script = Script([refused, refused, refused, session])
    monkeypatch.setattr(smpp34, "Client", fake_client(script))
    monkeypatch.setattr(smpp34, "Disconnected", Disconnected)
    gateway = SmppGateway(SETTINGS, FakeClock(), jitter=lambda: 0.5)
    receipts: list[DeliveryReceipt] = []

    async def on_receipt(receipt: DeliveryReceipt) -> None:
        receipts.append(receipt)

    with pytest.raises(asyncio.CancelledError):
        await gateway.run(on_receipt)
    # 3 refused (0.5, 1, 2), bound then lost (0.5 again), refused from then on (1, 2, 4, 4).
    assert pauses == [0.5, 1.0, 2.0, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert receipts == [DeliveryReceipt("m-7", "DELIVRD", "000")]
    assert session.unbound and all(client.stopped for client in script.clients)
    assert script.clients[0].options["bind_type"] == "TRX"
    assert script.clients[0].options["window_size"] == SETTINGS.smpp_window
    assert not gateway.bound


async def test_a_send_without_a_bind_fails_transiently_at_once() -> None:
    gateway = SmppGateway(SETTINGS, FakeClock())
    sms = OutgoingSms("593991234567", encode("hola"), "d1")
    with pytest.raises(TransientDeliveryError, match="not bound"):
        await gateway.send(sms, T0)
