"""A submitted message's text: which octets, which alphabet."""

from dataclasses import dataclass

import pytest

from smsc_simulator import gsm7, text
from smsc_simulator.pdu import TAG_MESSAGE_PAYLOAD


@dataclass(frozen=True)
class FakeTlv:
    tag: int
    value: bytes


def test_short_message_is_the_body_when_present() -> None:
    payload = FakeTlv(TAG_MESSAGE_PAYLOAD, b"payload")
    assert text.body_octets(b"short", [payload]) == b"short"


def test_message_payload_is_the_body_when_short_message_is_empty() -> None:
    other = FakeTlv(0x0204, b"\x00\x01")
    payload = FakeTlv(TAG_MESSAGE_PAYLOAD, "largo".encode("utf-16-be"))
    assert text.body_octets(b"", [other, payload]) == "largo".encode("utf-16-be")
    assert text.body_octets(b"", [other]) == b""


def test_a_user_data_header_is_left_out_when_udhi_is_set() -> None:
    udh = bytes([0x05, 0x00, 0x03, 0x2A, 0x02, 0x01])  # concatenation, ref 42, part 1 of 2
    assert text.without_udh(udh + b"hola", text.ESM_UDHI) == b"hola"
    assert text.without_udh(udh + b"hola", 0) == udh + b"hola"


@pytest.mark.parametrize("coding", [0, 1])
def test_codings_0_and_1_read_gsm7(coding: int) -> None:
    assert text.decode(coding, gsm7.encode("¡Hola! {€}")) == "¡Hola! {€}"


def test_coding_8_reads_ucs2_including_surrogate_pairs() -> None:
    message = "¿Código? 😀 listo"
    assert text.decode(8, message.encode("utf-16-be")) == message


def test_an_odd_ucs2_body_does_not_fail() -> None:
    assert text.decode(8, "ok".encode("utf-16-be") + b"\x00") == "ok\ufffd"


def test_coding_3_reads_latin1() -> None:
    assert text.decode(3, "Código".encode("latin-1")) == "Código"


def test_binary_codings_have_no_text() -> None:
    assert text.decode(4, b"\x01\x02") is None
