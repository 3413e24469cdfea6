"""One SMPP connection: reads PDUs in order and answers each; never waits on its peer to write.

A peer that stops reading fills its socket buffer; past ``MAX_BUFFERED`` the connection is
aborted instead of awaiting it, so one stuck ESME costs only its own connection.
"""

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING

import smpp34

from smsc_simulator import pdu
from smsc_simulator.pdu import Command, Header, Status

if TYPE_CHECKING:
    from smsc_simulator.server import SmppServer

log = logging.getLogger("smsc_simulator.smpp")
MAX_BUFFERED = 1 << 20
MAX_SEQUENCE = 0x7FFFFFFF
CLOSE_TIMEOUT = 5.0
_STATUS_IN_ERROR = re.compile(r"\(0x([0-9a-fA-F]{1,8})\)")


def status_of(error: smpp34.SmppError) -> int:
    """The command_status smpp34 names in its error text, ESME_RSYSERR when it names none."""
    found = _STATUS_IN_ERROR.search(str(error))
    return int(found[1], 16) if found else Status.ESME_RSYSERR


class Session:
    def __init__(
        self, server: "SmppServer", reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.bind_type: str | None = None
        self.system_id: str | None = None
        self._sequence = 0
        self.pending_receipts: dict[int, str] = {}  # deliver_sm sequence -> message_id

    @property
    def bound(self) -> bool:
        return self.bind_type is not None

    @property
    def can_receive(self) -> bool:
        return self.bind_type in ("RX", "TRX") and not self.writer.is_closing()

    @property
    def can_transmit(self) -> bool:
        return self.bind_type in ("TX", "TRX")

    def next_sequence(self) -> int:
        self._sequence = self._sequence % MAX_SEQUENCE + 1
        return self._sequence

    # --- I/O ---------------------------------------------------------------------------------

    async def run(self) -> None:
        system_id = None
        try:
            while not self.writer.is_closing() and (frame := await self._read()) is not None:
                self._dispatch(*frame)
                system_id = self.system_id or system_id
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the peer went away (or we aborted it): nothing to answer
        finally:
            self.bind_type = None
            if self.writer.is_closing():
                # A graceful close (unbind, refused bind) flushes its last answer, for a while.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.writer.wait_closed(), CLOSE_TIMEOUT)
            self.writer.transport.abort()
            if system_id:
                log.info("session closed system_id=%s peer=%s", system_id, self.peer)

    async def _read(self) -> tuple[Header, bytes] | None:
        raw = await self.reader.readexactly(pdu.HEADER_SIZE)
        header = pdu.parse_header(raw)
        if not pdu.HEADER_SIZE <= header.length <= pdu.MAX_PDU_SIZE:
            log.warning("bad command_length=%d peer=%s", header.length, self.peer)
            self.send(pdu.generic_nack(header.sequence, Status.ESME_RINVCMDLEN))
            self.close()
            return None
        body = await self.reader.readexactly(header.length - pdu.HEADER_SIZE)
        return header, raw + body

    def send(self, data: bytes) -> None:
        if self.writer.is_closing():
            return
        self.writer.write(data)
        if self.writer.transport.get_write_buffer_size() > MAX_BUFFERED:
            log.warning("peer=%s is not reading; connection aborted", self.peer)
            self.abort()

    def close(self) -> None:
        """After what was written so far (a refused bind, unbind_resp)."""
        self.bind_type = None
        self.writer.close()

    def abort(self) -> None:
        """At once, unsent data lost (drop, refuse_binds, a stuck peer)."""
        self.bind_type = None
        self.writer.transport.abort()

    # --- PDUs --------------------------------------------------------------------------------

    def _dispatch(self, header: Header, data: bytes) -> None:
        command = header.command_id
        if header.is_response:
            self._response(header)
        elif command in pdu.BIND_COMMANDS:
            self._bind(header, data[pdu.HEADER_SIZE :])
        elif command == Command.SUBMIT_SM:
            self._submit(header, data)
        elif command == Command.ENQUIRE_LINK:
            self.send(pdu.empty_resp(command, header.sequence))
        elif command == Command.UNBIND:
            self._unbind(header)
        else:
            log.info("unsupported %s peer=%s", header.name, self.peer)
            self.send(pdu.generic_nack(header.sequence, Status.ESME_RINVCMDID))

    def _response(self, header: Header) -> None:
        if header.command_id == Command.DELIVER_SM_RESP:
            message_id = self.pending_receipts.pop(header.sequence, None)
            log.info("receipt acknowledged message_id=%s status=0x%02x", message_id, header.status)
        elif header.command_id == Command.GENERIC_NACK:
            log.warning("generic_nack status=0x%02x peer=%s", header.status, self.peer)

    def _bind(self, header: Header, body: bytes) -> None:
        if self.bound:
            self.send(pdu.bind_resp(header.command_id, header.sequence, Status.ESME_RALYBND, "", 0))
            return
        bind_type = pdu.BIND_COMMANDS[Command(header.command_id)]
        try:
            request = pdu.parse_bind(body)
        except pdu.PduError as exc:
            log.warning("bind refused peer=%s: %s", self.peer, exc)
            self.send(
                pdu.bind_resp(header.command_id, header.sequence, Status.ESME_RBINDFAIL, "", 0)
            )
            self.close()
            return
        status = self.server.check_bind(request)
        log.info(
            "bind %s system_id=%s peer=%s status=%s",
            bind_type,
            request.system_id,
            self.peer,
            status.name,
        )
        resp = pdu.bind_resp(
            header.command_id,
            header.sequence,
            status,
            self.server.smsc_system_id,
            request.interface_version,
        )
        self.send(resp)
        if status == Status.ESME_ROK:
            self.bind_type, self.system_id = bind_type, request.system_id
        else:
            self.close()

    def _unbind(self, header: Header) -> None:
        if not self.bound:
            self.send(pdu.empty_resp(Command.UNBIND, header.sequence, Status.ESME_RINVBNDSTS))
            return
        log.info("unbind system_id=%s peer=%s", self.system_id, self.peer)
        self.send(pdu.empty_resp(Command.UNBIND, header.sequence))
        self.close()

    def _submit(self, header: Header, data: bytes) -> None:
        if not self.can_transmit:
            self.send(pdu.submit_sm_resp(header.sequence, Status.ESME_RINVBNDSTS))
            return
        try:
            decoded = smpp34.decode(data)
        except smpp34.SmppError as exc:
            log.warning("submit_sm refused peer=%s: %s", self.peer, exc)
            self.send(pdu.submit_sm_resp(header.sequence, status_of(exc)))
            return
        if not isinstance(decoded, smpp34.SubmitSm):  # pragma: no cover - decode follows the id
            self.send(pdu.submit_sm_resp(header.sequence, Status.ESME_RSYSERR))
            return
        status, message_id = self.server.submit(decoded, data, self)
        self.send(pdu.submit_sm_resp(header.sequence, status, message_id))

    def deliver(self, data: bytes, sequence: int, message_id: str) -> None:
        """Send a deliver_sm built with ``sequence`` and wait for its deliver_sm_resp."""
        self.pending_receipts[sequence] = message_id
        self.send(data)
