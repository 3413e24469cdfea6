"""The text of a submitted message: its octets (short_message or message_payload), less a user
data header, read in the alphabet its data_coding names."""

from collections.abc import Sequence
from typing import Protocol

from smsc_simulator import gsm7
from smsc_simulator.pdu import TAG_MESSAGE_PAYLOAD

ESM_UDHI = 0x40  # esm_class bit: the message starts with a user data header (e.g. a segment)
# data_coding values read as text. 1 is IA5/ASCII in SMPP 3.4; ESMEs in practice send GSM-7
# under it too, and the printable ASCII letters and digits are the same septets.
GSM7_CODINGS = frozenset({0, 1})
LATIN1 = 3
UCS2 = 8


class TlvLike(Protocol):
    @property
    def tag(self) -> int: ...

    @property
    def value(self) -> bytes: ...


def body_octets(short_message: bytes, tlvs: Sequence[TlvLike]) -> bytes:
    """short_message, or the message_payload TLV when short_message is empty (SMPP 3.4:
    an ESME uses one or the other)."""
    if short_message:
        return short_message
    payload = next((tlv.value for tlv in tlvs if tlv.tag == TAG_MESSAGE_PAYLOAD), b"")
    return payload


def without_udh(octets: bytes, esm_class: int) -> bytes:
    """The user data after its header when esm_class says there is one (UDHI)."""
    if not esm_class & ESM_UDHI or not octets:
        return octets
    return octets[1 + octets[0] :]


def decode(data_coding: int, octets: bytes) -> str | None:
    """The text, or None for a coding that is not text (binary, or one this simulator does not
    read: the raw octets are kept anyway)."""
    if data_coding in GSM7_CODINGS:
        return gsm7.decode(octets)
    if data_coding == UCS2:
        return octets.decode("utf-16-be", errors="replace")
    if data_coding == LATIN1:
        return octets.decode("latin-1")
    return None
