"""SMS text in one segment (GSM 03.38 when it fits, UCS-2 otherwise), the line-verification code
that lines asks for, and what an SMSC's delivery receipt says. No I/O.

SMPP's ``data_coding`` 0 is the SMSC default alphabet: GSM 03.38, one septet per octet
(unpacked), the escape 0x1B before each character of the extension table (``€ [ ] { } ~ ^ | \\``
and the form feed), which therefore counts twice. ``data_coding`` 8 is UCS-2, sent as UTF-16-BE
(a character outside the BMP takes two units). One segment holds 160 septets or 70 units; longer
texts would be split and could arrive in pieces or out of order, so a code SMS never is.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from notifier.domain.errors import PermanentDeliveryError
from notifier.domain.messages import aware

GSM7 = 0
UCS2 = 8
GSM7_SEGMENT = 160  # septets
UCS2_SEGMENT = 70  # UTF-16 code units

# The customer reads the expiry on the clock of mainland Ecuador.
GUAYAQUIL = ZoneInfo("America/Guayaquil")

_CODE = re.compile(r"[0-9A-Za-z]{4,12}")
_E164 = re.compile(r"\+?[1-9][0-9]{7,14}")


@dataclass(frozen=True)
class SmsText:
    text: str
    data_coding: int  # GSM7 or UCS2
    payload: bytes  # short_message
    units: int  # septets (GSM7) or UTF-16 code units (UCS2)

    @property
    def one_segment(self) -> bool:
        return self.units <= (GSM7_SEGMENT if self.data_coding == GSM7 else UCS2_SEGMENT)


def encode(text: str) -> SmsText:
    """GSM 03.38 when every character is in it (extension table included), else UCS-2."""
    try:
        payload = text.encode("gsm03.38")
    except UnicodeEncodeError:
        payload = text.encode("utf-16-be")
        return SmsText(text, UCS2, payload, len(payload) // 2)
    return SmsText(text, GSM7, payload, len(payload))


def line_code_text(brand: str, code: str, expires_at: datetime) -> SmsText:
    """The code's SMS: the most complete wording that fits one segment in its own coding.

    "código" has an ``ó``, which GSM 03.38 lacks, so the text goes as UCS-2: 70 units. The full
    sentence ("Mi Claro: tu código de verificación es 123456. Vence a las 14:35. No compartas
    este código.", 92 units) never fits; "Mi Claro" gets "Mi Claro: código 123456. Vence a las
    14:35. No compartas este código." (69). A longer brand gets "Vence 14:35", then no brand at
    all (the sender id names it anyway).
    """
    if not _CODE.fullmatch(code):
        raise PermanentDeliveryError("the verification code is not 4-12 letters or digits")
    at = f"{expires_at.astimezone(GUAYAQUIL):%H:%M}"
    brand = " ".join(brand.split())
    warning = "No compartas este código."
    wordings = [
        f"código {code}. Vence a las {at}. {warning}",
        f"código {code}. Vence {at}. {warning}",
    ]
    for wording in wordings if brand else []:
        sms = encode(f"{brand}: {wording}")
        if sms.one_segment:
            return sms
    # Without the brand it always fits: at most 65 units with a 12-character code.
    return encode(f"Código {code}. Vence a las {at}. {warning}")


def smpp_address(number: str) -> str:
    """E.164 (``+593991234567``) as SMPP wants it with TON 1 / NPI 1: digits only."""
    if not _E164.fullmatch(number):
        raise PermanentDeliveryError("the destination is not an E.164 number")
    return number.removeprefix("+")


def masked_number(number: str) -> str:
    """For people: ``+593991234567`` → ``099***4567`` (Ecuador's national form), other
    countries ``+12*****4567``: enough to recognise one's own line, not to read it."""
    digits = number.removeprefix("+")
    if digits.startswith("593") and len(digits) > 7:
        national = "0" + digits[3:]
        return national[:3] + "*" * (len(national) - 7) + national[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "+" + digits[:2] + "*" * max(1, len(digits) - 6) + digits[-4:]


@dataclass(frozen=True)
class LineCode:
    """What a code SMS needs, kept in its delivery while it is open. ``code`` is a secret."""

    code: str
    expires_at: datetime
    line_id: str
    send_number: int

    def to_payload(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "expires_at": self.expires_at,
            "line_id": self.line_id,
            "send_number": self.send_number,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "LineCode":
        try:
            return cls(
                code=str(payload["code"]),
                expires_at=aware(payload["expires_at"]),
                line_id=str(payload["line_id"]),
                send_number=int(payload["send_number"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentDeliveryError(f"delivery payload unusable: {exc}") from None


@dataclass(frozen=True)
class LineCodeRequest:
    """lines' LineVerificationRequested, as the SMS channel sees it."""

    event_id: str
    event_type: str
    correlation_id: str | None
    user_id: str
    destination: str  # E.164
    code: LineCode


# SMPP 3.4 §5.2.28 message_state, as the receipt's text says it.
MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
_RECEIPT_ID = re.compile(r"\bid:(\S+)")
_RECEIPT_STAT = re.compile(r"\bstat:(\w+)")
_RECEIPT_ERR = re.compile(r"\berr:(\w+)")


@dataclass(frozen=True)
class DeliveryReceipt:
    """An SMSC's word on a message it accepted: ``status`` like DELIVRD, UNDELIV, EXPIRED."""

    message_id: str
    status: str
    error: str | None = None


def parse_receipt(
    text: bytes, receipted_id: str | None = None, state: int | None = None
) -> DeliveryReceipt | None:
    """Read a receipt (SMPP 3.4 appendix B text, ``id:… stat:DELIVRD err:000``); the optional
    parameters receipted_message_id and message_state win over the text. None if unreadable."""
    body = text.decode("latin-1")
    id_match, stat_match = _RECEIPT_ID.search(body), _RECEIPT_STAT.search(body)
    message_id = receipted_id or (id_match[1] if id_match else None)
    status = MESSAGE_STATES.get(state or 0) or (stat_match[1].upper() if stat_match else None)
    if not message_id or not status:
        return None
    err = _RECEIPT_ERR.search(body)
    return DeliveryReceipt(message_id=message_id, status=status, error=err[1] if err else None)


@dataclass(frozen=True)
class OutgoingSms:
    """One submit_sm: to whom (SMPP digits), what, and the delivery it belongs to."""

    destination: str
    text: SmsText
    delivery_id: str
