"""What happened to a line, as the domain says it: plain data, no transport.

``lines.events`` maps each of these to its wire event (``common.contracts.lines``) when the
store writes the line's outbox.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

RemovalReason = Literal["removed", "transferred"]


@dataclass(frozen=True)
class CodeRequested:
    """Send this SMS code to ``destination``; ``code`` is the secret (only its hash stays)."""

    line_id: str
    user_id: str
    number: str
    service_type: str
    destination: str
    code: str
    expires_at: datetime
    send_number: int


@dataclass(frozen=True)
class LineRegistered:
    line_id: str
    user_id: str
    number: str
    service_type: str
    account_id: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class LineRemoved:
    line_id: str
    user_id: str
    number: str
    service_type: str
    account_id: str | None
    occurred_at: datetime
    reason: RemovalReason


DomainEvent = CodeRequested | LineRegistered | LineRemoved
