"""SMPP 3.4 framing and the PDUs smpp34's codec does not build for a server (binds, responses).

Every PDU is a 16-octet header (command_length, command_id, command_status, sequence_number,
big-endian unsigned 32-bit) and a body; strings in bodies are C-octet strings (NUL-terminated,
with a maximum size that counts the NUL). submit_sm and deliver_sm go through smpp34.
"""

import struct
from dataclasses import dataclass
from enum import IntEnum

HEADER = struct.Struct(">IIII")
HEADER_SIZE = HEADER.size
# Generous: a submit_sm with a full message_payload TLV (64 KiB) fits.
MAX_PDU_SIZE = 70_000
RESPONSE_BIT = 0x80000000
SMPP_VERSION = 0x34
# Optional parameter (TLV) tags used here (SMPP 3.4, table 5-3).
TAG_RECEIPTED_MESSAGE_ID = 0x001E
TAG_SC_INTERFACE_VERSION = 0x0210
TAG_MESSAGE_PAYLOAD = 0x0424
TAG_MESSAGE_STATE = 0x0427


class Command(IntEnum):
    GENERIC_NACK = 0x80000000
    BIND_RECEIVER = 0x00000001
    BIND_TRANSMITTER = 0x00000002
    QUERY_SM = 0x00000003
    SUBMIT_SM = 0x00000004
    DELIVER_SM = 0x00000005
    UNBIND = 0x00000006
    REPLACE_SM = 0x00000007
    CANCEL_SM = 0x00000008
    BIND_TRANSCEIVER = 0x00000009
    OUTBIND = 0x0000000B
    ENQUIRE_LINK = 0x00000015
    SUBMIT_MULTI = 0x00000021
    DATA_SM = 0x00000103
    SUBMIT_SM_RESP = 0x80000004
    DELIVER_SM_RESP = 0x80000005
    UNBIND_RESP = 0x80000006
    ENQUIRE_LINK_RESP = 0x80000015


class Status(IntEnum):
    """The command_status values this simulator answers (SMPP 3.4, table 5-2)."""

    ESME_ROK = 0x00
    ESME_RINVMSGLEN = 0x01
    ESME_RINVCMDLEN = 0x02
    ESME_RINVCMDID = 0x03
    ESME_RINVBNDSTS = 0x04
    ESME_RALYBND = 0x05
    ESME_RSYSERR = 0x08
    ESME_RINVDSTADR = 0x0B
    ESME_RBINDFAIL = 0x0D
    ESME_RINVPASWD = 0x0E
    ESME_RINVSYSID = 0x0F
    ESME_RTHROTTLED = 0x58


BIND_COMMANDS = {
    Command.BIND_RECEIVER: "RX",
    Command.BIND_TRANSMITTER: "TX",
    Command.BIND_TRANSCEIVER: "TRX",
}


class PduError(ValueError):
    """A PDU body that does not follow the layout of its command."""


@dataclass(frozen=True)
class Header:
    length: int
    command_id: int
    status: int
    sequence: int

    @property
    def is_response(self) -> bool:
        return bool(self.command_id & RESPONSE_BIT)

    @property
    def name(self) -> str:
        try:
            return Command(self.command_id).name.lower()
        except ValueError:
            return f"0x{self.command_id:08x}"


def parse_header(data: bytes) -> Header:
    return Header(*HEADER.unpack(data[:HEADER_SIZE]))


def pack(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return HEADER.pack(HEADER_SIZE + len(body), command_id, status, sequence) + body


def c_octet(value: str) -> bytes:
    return value.encode("ascii", "replace") + b"\0"


def read_c_octet(body: bytes, offset: int, max_size: int) -> tuple[str, int]:
    """The C-octet string at ``offset`` (at most ``max_size`` octets with its NUL) and the
    offset after it."""
    end = body.find(b"\0", offset, offset + max_size)
    if end < 0:
        raise PduError(f"C-octet string at {offset} is unterminated or longer than {max_size}")
    return body[offset:end].decode("latin-1"), end + 1


@dataclass(frozen=True)
class BindRequest:
    system_id: str
    password: str
    system_type: str
    interface_version: int
    addr_ton: int
    addr_npi: int
    address_range: str

    def __repr__(self) -> str:  # the password never reaches a log through repr()
        return (
            f"BindRequest(system_id={self.system_id!r}, system_type={self.system_type!r}, "
            f"interface_version=0x{self.interface_version:02x})"
        )


def parse_bind(body: bytes) -> BindRequest:
    """The body of bind_transmitter, bind_receiver or bind_transceiver (same layout)."""
    system_id, offset = read_c_octet(body, 0, 16)
    password, offset = read_c_octet(body, offset, 9)
    system_type, offset = read_c_octet(body, offset, 13)
    if len(body) < offset + 3:
        raise PduError("bind body ends before interface_version, addr_ton and addr_npi")
    version, ton, npi = body[offset : offset + 3]
    address_range, _ = read_c_octet(body, offset + 3, 41)
    return BindRequest(system_id, password, system_type, version, ton, npi, address_range)


def bind_body(request: BindRequest) -> bytes:
    """A bind request body: what an ESME sends (for tests and raw clients)."""
    return (
        c_octet(request.system_id)
        + c_octet(request.password)
        + c_octet(request.system_type)
        + bytes((request.interface_version, request.addr_ton, request.addr_npi))
        + c_octet(request.address_range)
    )


def bind_resp(
    command_id: int, sequence: int, status: int, system_id: str, interface_version: int
) -> bytes:
    """bind_*_resp: the SMSC's system_id, and sc_interface_version to a 3.4 ESME. A refusal is
    the header alone, like submit_sm_resp's (the ESME reads command_status only)."""
    if status != Status.ESME_ROK:
        return pack(command_id | RESPONSE_BIT, sequence, status=status)
    body = c_octet(system_id)
    if interface_version >= SMPP_VERSION:
        body += struct.pack(">HHB", TAG_SC_INTERFACE_VERSION, 1, SMPP_VERSION)
    return pack(command_id | RESPONSE_BIT, sequence, body)


def submit_sm_resp(sequence: int, status: int, message_id: str = "") -> bytes:
    """submit_sm_resp: message_id on success; no body on an error (SMPP 3.4, 4.4.2)."""
    if status != Status.ESME_ROK:
        return pack(Command.SUBMIT_SM_RESP, sequence, status=status)
    return pack(Command.SUBMIT_SM_RESP, sequence, c_octet(message_id))


def empty_resp(command_id: int, sequence: int, status: int = Status.ESME_ROK) -> bytes:
    """The response to ``command_id`` that has a header only (unbind, enquire_link, ...)."""
    return pack(command_id | RESPONSE_BIT, sequence, status=status)


def generic_nack(sequence: int, status: int) -> bytes:
    return pack(Command.GENERIC_NACK, sequence, status=status)
