"""Events published by lines: SMS codes to send, and which user holds which line."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from common.contracts.base import Event


class LinesEvent(Event, source="lines"):
    """Published by lines."""


class LineVerificationData(BaseModel):
    """One SMS code to send ("GENERAR" or a resend); ``code`` is a secret."""

    line_id: str
    user_id: str
    number: str  # E.164: the line being registered
    service_type: Literal["movil", "fijo", "internet", "tv"]
    # E.164 mobile the SMS goes to: the line itself, or the contract's contact mobile.
    destination: str
    code: str
    expires_at: datetime  # an SMS not sent by then is never sent
    send_number: int  # 1 for "GENERAR", 2.. for resends


class LineVerificationRequested(LinesEvent, key="line_id", sensitive=True):
    """Send this SMS code to ``destination`` (never after ``expires_at``)."""

    data: LineVerificationData


class LineData(BaseModel):
    line_id: str
    user_id: str
    number: str  # E.164
    service_type: Literal["movil", "fijo", "internet", "tv"]
    account_id: str | None = None  # the billing account whose subscription the number is on
    occurred_at: datetime


class LineRegistered(LinesEvent, key="number"):
    """The user proved control of the line by SMS code: they may see its invoices."""

    data: LineData


class LineRemovedData(LineData):
    # "removed": the user removed it; "transferred": another user verified the number.
    reason: Literal["removed", "transferred"]


class LineRemoved(LinesEvent, key="number"):
    """The user no longer holds the line: their access to its invoices ends."""

    data: LineRemovedData
