"""The SMPP listener: its sessions, the account check, storing submits and sending receipts."""

import asyncio
import logging
import secrets
from datetime import UTC, datetime

import smpp34

from smsc_simulator import receipt, text
from smsc_simulator.control import Controls, Mode
from smsc_simulator.pdu import BindRequest, Status
from smsc_simulator.session import CLOSE_TIMEOUT, Session
from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.store import Message, MessageStore

log = logging.getLogger("smsc_simulator.smpp")


def new_message_id() -> str:
    return secrets.token_hex(8)


class SmppServer:
    def __init__(
        self, settings: SimulatorSettings, store: MessageStore, controls: Controls
    ) -> None:
        self.settings = settings
        self.store = store
        self.controls = controls
        self.smsc_system_id = settings.smsc_system_id
        self.sessions: set[Session] = set()
        self._session_tasks: set[asyncio.Task[None]] = set()
        self._receipts: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; the port bound (the settings' one, or the free one picked for port 0)."""
        self._server = await asyncio.start_server(
            self._serve, self.settings.host, self.settings.smpp_port
        )
        port: int = self._server.sockets[0].getsockname()[1]
        log.info("SMPP listening on %s:%d", self.settings.host, port)
        return port

    async def stop(self) -> None:
        """Stop listening, abort every connection and wait for their tasks to end."""
        if self._server is not None:
            self._server.close()
        self.drop_all()
        for task in list(self._receipts):
            task.cancel()
        await asyncio.gather(*self._receipts, return_exceptions=True)
        if self._session_tasks:
            await asyncio.wait(list(self._session_tasks), timeout=CLOSE_TIMEOUT)
        for task in list(self._session_tasks):
            task.cancel()
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(self, reader, writer)
        task = asyncio.current_task()
        assert task is not None  # start_server runs each connection in its own task
        self.sessions.add(session)
        self._session_tasks.add(task)
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            self._session_tasks.discard(task)

    @property
    def bound_count(self) -> int:
        return sum(1 for session in self.sessions if session.bound)

    def drop_all(self) -> int:
        """Abort every connection now; how many there were."""
        sessions = list(self.sessions)
        for session in sessions:
            session.abort()
        return len(sessions)

    def check_bind(self, request: BindRequest) -> Status:
        if self.controls.mode is Mode.REFUSE_BINDS:
            return Status.ESME_RBINDFAIL
        if not secrets.compare_digest(request.system_id.encode(), self.settings.system_id.encode()):
            return Status.ESME_RINVSYSID
        password = self.settings.password.get_secret_value().encode()
        if not secrets.compare_digest(request.password.encode(), password):
            return Status.ESME_RINVPASWD
        return Status.ESME_ROK

    def submit(self, sm: smpp34.SubmitSm, data: bytes, origin: Session) -> tuple[Status, str]:
        """Store an accepted submit_sm and schedule its receipt: (status, message_id)."""
        if self.controls.mode is Mode.THROTTLE:
            log.info("submit throttled to=%s system_id=%s", sm.destination_addr, origin.system_id)
            return Status.ESME_RTHROTTLED, ""
        if not sm.destination_addr:
            return Status.ESME_RINVDSTADR, ""
        octets = text.without_udh(text.body_octets(sm.short_message, sm.tlvs), sm.esm_class)
        now = datetime.now(UTC)
        message = Message(
            message_id=new_message_id(),
            to=sm.destination_addr,
            sender=sm.source_addr,
            text=text.decode(sm.data_coding, octets),
            data_coding=sm.data_coding,
            received_at=now.isoformat(timespec="milliseconds"),
            system_id=origin.system_id or "",
            raw_hex=data.hex(),
            registered_delivery=sm.registered_delivery,
            esm_class=sm.esm_class,
            dest_addr_ton=sm.dest_addr_ton,
        )
        self.store.add(message)
        log.info(
            "submit message_id=%s to=%s data_coding=%d registered_delivery=%d system_id=%s",
            message.message_id,
            message.to,
            message.data_coding,
            message.registered_delivery,
            message.system_id,
        )
        if sm.registered_delivery & 0x01:
            task = asyncio.get_running_loop().create_task(self._receipt(message, origin, now))
            self._receipts.add(task)
            task.add_done_callback(self._receipts.discard)
        return Status.ESME_ROK, message.message_id

    def _receiver_for(self, origin: Session) -> Session | None:
        """The submitting session if it may receive (TRX), else a receiver of the same account."""
        if origin.can_receive:
            return origin
        return next(
            (s for s in self.sessions if s.can_receive and s.system_id == origin.system_id), None
        )

    async def _receipt(self, message: Message, origin: Session, submitted: datetime) -> None:
        await asyncio.sleep(self.settings.receipt_delay_ms / 1000)
        session = self._receiver_for(origin)
        if session is None:
            log.info("receipt not sent message_id=%s: no receiver bound", message.message_id)
            return
        sequence = session.next_sequence()
        data = receipt.deliver_sm(message, submitted, datetime.now(UTC), sequence)
        log.info("receipt sent message_id=%s peer=%s", message.message_id, session.peer)
        session.deliver(data, sequence, message.message_id)
