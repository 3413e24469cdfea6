"""The simulator in the test's own event loop, on free ports: ``async with running(...) as sim``.

For this package's tests and for other packages' tests that need an SMSC (an ESME under test
connects to ``sim.smpp_port``, then reads what arrived through ``sim.http_url``).
"""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import smpp34

from smsc_simulator import pdu
from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.simulator import Simulator, http_server

TIMEOUT = 10.0
# Test fixtures' shapes: ``await connect(**client_options)`` -> a bound smpp34 session;
# ``await raw()`` -> a bare TCP peer.
Connect = Callable[..., Awaitable[smpp34.Smsc]]


@dataclass(frozen=True)
class Running:
    simulator: Simulator
    host: str
    smpp_port: int
    http_port: int

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"


@asynccontextmanager
async def running(settings: SimulatorSettings) -> AsyncIterator[Running]:
    """Both servers on free ports of ``settings.host`` (the settings' ports are ignored)."""
    settings = settings.model_copy(update={"smpp_port": 0})
    simulator = Simulator(settings)
    smpp_port = await simulator.smpp.start()
    http_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    http_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    http_socket.bind((settings.host, 0))
    server = http_server(simulator)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[http_socket]))
    try:
        while not server.started:
            if task.done():  # failed to start: raise its error
                await task
            await asyncio.sleep(0.01)
        yield Running(simulator, settings.host, smpp_port, http_socket.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        await simulator.smpp.stop()
        http_socket.close()


class RawEsme:
    """A bare SMPP peer over TCP: sends PDUs as given and reads answers as they come, to check
    what a library client hides (a refused bind's status, generic_nack, a closed socket)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._sequence = 0

    @classmethod
    async def connect(cls, host: str, port: int) -> "RawEsme":
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, command_id: int, body: bytes = b"") -> int:
        """Send one request; its sequence number."""
        self._sequence += 1
        self.writer.write(pdu.pack(command_id, self._sequence, body))
        await self.writer.drain()
        return self._sequence

    async def read(self, timeout: float = 5.0) -> tuple[pdu.Header, bytes]:
        """The next PDU (header, body); IncompleteReadError once the SMSC closed."""
        raw = await asyncio.wait_for(self.reader.readexactly(pdu.HEADER_SIZE), timeout)
        header = pdu.parse_header(raw)
        body = await asyncio.wait_for(
            self.reader.readexactly(header.length - pdu.HEADER_SIZE), timeout
        )
        return header, body

    async def bind(
        self, system_id: str, password: str, command_id: int = pdu.Command.BIND_TRANSCEIVER
    ) -> pdu.Header:
        request = pdu.BindRequest(system_id, password, "", pdu.SMPP_VERSION, 0, 0, "")
        await self.send(command_id, pdu.bind_body(request))
        header, _ = await self.read()
        return header

    async def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """Whether the SMSC closes the connection (EOF or reset) within ``timeout``, reading
        past any PDU still on the way."""
        try:
            while True:
                await self.read(timeout)
        except (asyncio.IncompleteReadError, ConnectionError):
            return True
        except TimeoutError:
            return False

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


Raw = Callable[[], Awaitable[RawEsme]]


async def next_event(smsc: smpp34.Smsc) -> smpp34.DeliverSmEvent | smpp34.Disconnected:
    return await asyncio.wait_for(smsc.next(), TIMEOUT)


async def until(check: Callable[[], Awaitable[bool]], seconds: float = TIMEOUT) -> None:
    """Poll ``check`` until true; fail after ``seconds`` (a bound, not a timing goal)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true after {seconds} s")
        await asyncio.sleep(0.05)
