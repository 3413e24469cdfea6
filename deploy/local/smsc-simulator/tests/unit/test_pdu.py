"""SMPP 3.4 framing and the PDUs the simulator builds itself."""

import struct

import pytest

from smsc_simulator import pdu
from smsc_simulator.pdu import Command, Status


def test_pack_writes_the_16_octet_header_then_the_body() -> None:
    data = pdu.pack(Command.ENQUIRE_LINK, 7, b"xy", status=3)
    assert data == struct.pack(">IIII", 18, 0x15, 3, 7) + b"xy"
    header = pdu.parse_header(data)
    assert (header.length, header.command_id, header.status, header.sequence) == (18, 0x15, 3, 7)
    assert header.name == "enquire_link"
    assert not header.is_response


def test_a_response_id_has_the_high_bit() -> None:
    header = pdu.parse_header(pdu.empty_resp(Command.UNBIND, 9))
    assert header.command_id == 0x80000006
    assert header.is_response
    assert header.length == pdu.HEADER_SIZE


def test_an_unknown_command_is_named_by_its_number() -> None:
    assert pdu.parse_header(pdu.pack(0x00000099, 1)).name == "0x00000099"


def test_c_octet_strings_are_read_up_to_their_nul() -> None:
    assert pdu.read_c_octet(b"abc\0def\0", 0, 16) == ("abc", 4)
    assert pdu.read_c_octet(b"abc\0def\0", 4, 16) == ("def", 8)
    assert pdu.read_c_octet(b"\0", 0, 1) == ("", 1)


@pytest.mark.parametrize(("body", "max_size"), [(b"abc", 16), (b"abcdefghi\0", 9)])
def test_an_unterminated_or_too_long_c_octet_string_is_an_error(body: bytes, max_size: int) -> None:
    with pytest.raises(pdu.PduError):
        pdu.read_c_octet(body, 0, max_size)


def test_a_bind_body_round_trips() -> None:
    request = pdu.BindRequest("telco", "s3cr3t", "SMS", 0x34, 1, 1, "")
    assert pdu.parse_bind(pdu.bind_body(request)) == request


def test_the_bind_repr_leaves_the_password_out() -> None:
    assert "s3cr3t" not in repr(pdu.BindRequest("telco", "s3cr3t", "", 0x34, 0, 0, ""))


def test_a_password_over_8_characters_is_refused_by_the_layout() -> None:
    with pytest.raises(pdu.PduError):
        pdu.parse_bind(b"telco\0123456789\0\0\x34\0\0\0")


def test_a_bind_body_cut_before_its_integers_is_an_error() -> None:
    with pytest.raises(pdu.PduError, match="interface_version"):
        pdu.parse_bind(b"telco\0pw\0\0")


def test_a_successful_bind_resp_carries_system_id_and_interface_version() -> None:
    data = pdu.bind_resp(Command.BIND_TRANSCEIVER, 5, Status.ESME_ROK, "SMSCSIM", 0x34)
    header = pdu.parse_header(data)
    assert header.command_id == 0x80000009
    assert header.sequence == 5
    assert data[pdu.HEADER_SIZE :] == b"SMSCSIM\0" + struct.pack(">HHB", 0x0210, 1, 0x34)


def test_a_3_3_esme_gets_no_interface_version_tlv() -> None:
    data = pdu.bind_resp(Command.BIND_TRANSMITTER, 1, Status.ESME_ROK, "SMSCSIM", 0x33)
    assert data[pdu.HEADER_SIZE :] == b"SMSCSIM\0"


def test_a_refused_bind_resp_is_the_header_alone() -> None:
    data = pdu.bind_resp(Command.BIND_RECEIVER, 2, Status.ESME_RINVPASWD, "SMSCSIM", 0x34)
    header = pdu.parse_header(data)
    assert (header.command_id, header.status, header.length) == (0x80000001, 0x0E, 16)


def test_submit_sm_resp_carries_the_message_id_only_on_success() -> None:
    ok = pdu.submit_sm_resp(3, Status.ESME_ROK, "abc123")
    assert ok[pdu.HEADER_SIZE :] == b"abc123\0"
    throttled = pdu.submit_sm_resp(4, Status.ESME_RTHROTTLED, "ignored")
    assert pdu.parse_header(throttled).status == 0x58
    assert len(throttled) == pdu.HEADER_SIZE


def test_generic_nack() -> None:
    header = pdu.parse_header(pdu.generic_nack(11, Status.ESME_RINVCMDID))
    assert (header.command_id, header.status, header.sequence) == (0x80000000, 3, 11)
