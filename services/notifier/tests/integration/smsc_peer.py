"""A real SMPP peer for the adapter's tests: smpp34's own server on a free port, answering each
submit_sm as the test says (accept, hold, reject), and a bare TCP peer that only binds and
records what the client sends (to see the library's enquire_link)."""

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import smpp34

from notifier.adapters.smpp import SmppGateway
from notifier.domain.sms import DeliveryReceipt
from notifier.settings import NotifierSettings

# How the peer answers one submit_sm: a message id to accept, an int command_status to refuse,
# None to hold it (the test answers later through ``held``).
Answer = str | int | None


@dataclass
class SmscPeer:
    port: int
    server: smpp34.Server | None = None
    binds: list[smpp34.Esme] = field(default_factory=list)
    submits: list[smpp34.SubmitSmEvent] = field(default_factory=list)
    held: list[smpp34.SubmitSmEvent] = field(default_factory=list)
    unbinds: int = 0
    answer: Callable[[smpp34.SubmitSmEvent], Answer] = lambda event: "m-1"
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self) -> None:
        self.server = smpp34.Server(host="127.0.0.1", port=self.port)
        await self.server.start()
        self._task = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        """Stop listening and end every session (the library's stop() keeps them open)."""
        for esme in self.binds:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(esme.unbind(), 2)
        if self.server is not None:
            await self.server.stop()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.sleep(0.2)  # let the library's threads settle (see adapters/smpp.py)

    async def _serve(self) -> None:
        assert self.server is not None
        while True:
            event = await self.server.next()
            if isinstance(event, smpp34.Esme):
                self.binds.append(event)
            elif isinstance(event, smpp34.SubmitSmEvent):
                self.submits.append(event)
                answer = self.answer(event)
                if answer is None:
                    self.held.append(event)
                elif isinstance(answer, str):
                    event.accept(answer)
                else:
                    event.reject(answer)
            else:
                self.unbinds += 1
            async with self._changed:
                self._changed.notify_all()

    async def wait_until(self, check: Callable[[], bool], timeout: float = 15) -> None:
        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(check)

        await asyncio.wait_for(until(), timeout)

    async def session(self, number: int = 1) -> smpp34.Esme:
        """The n-th bind as this peer saw it. The library answers bind_resp before it hands the
        session over, so a client can be bound before the peer has listed it."""
        await self.wait_until(lambda: len(self.binds) >= number)
        return self.binds[number - 1]


@contextlib.asynccontextmanager
async def smsc_peer(port: int) -> AsyncIterator[SmscPeer]:
    peer = SmscPeer(port)
    await peer.start()
    try:
        yield peer
    finally:
        await peer.stop()


@dataclass
class RunningGateway:
    gateway: SmppGateway
    receipts: asyncio.Queue[DeliveryReceipt]

    async def bound(self, timeout: float = 15) -> None:
        await asyncio.wait_for(self.gateway.until_bound(), timeout)


@contextlib.asynccontextmanager
async def running_gateway(settings: NotifierSettings, clock: Any) -> AsyncIterator[RunningGateway]:
    """The adapter with its bind loop running (as the service's keep_bound loop runs it)."""
    gateway = SmppGateway(settings, clock)
    receipts: asyncio.Queue[DeliveryReceipt] = asyncio.Queue()

    async def on_receipt(receipt: DeliveryReceipt) -> None:
        await receipts.put(receipt)

    task = asyncio.create_task(gateway.run(on_receipt))
    try:
        yield RunningGateway(gateway, receipts)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@dataclass
class BarePeer:
    """Answers bind_transceiver and nothing else; keeps every PDU's command_id."""

    commands: list[int] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                length, command, _, sequence = struct.unpack(">IIII", await reader.readexactly(16))
                await reader.readexactly(length - 16)
                self.commands.append(command)
                if command == 0x00000009:  # bind_transceiver → bind_transceiver_resp
                    body = b"SMSC\x00"
                    writer.write(struct.pack(">IIII", 16 + len(body), 0x80000009, 0, sequence))
                    writer.write(body)
                    await writer.drain()
        writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)
