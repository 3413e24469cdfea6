"""The email to a user whose line another account verified (lines' LineRemoved, "transferred")."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifier.domain.errors import PermanentDeliveryError
from notifier.domain.messages import aware
from notifier.domain.sms import GUAYAQUIL, masked_number


@dataclass(frozen=True)
class LineTransfer:
    """What the email says: never the whole number, only its masked form."""

    given_names: str
    email: str
    number_masked: str
    removed_at: datetime

    @classmethod
    def of(cls, given_names: str, email: str, number: str, removed_at: datetime) -> "LineTransfer":
        return cls(given_names, email, masked_number(number), removed_at)

    def removed_text(self) -> str:
        local = self.removed_at.astimezone(GUAYAQUIL)
        return f"{local:%d/%m/%Y} a las {local:%H:%M}, hora de Ecuador"

    def to_payload(self) -> dict[str, Any]:
        return {
            "given_names": self.given_names,
            "email": self.email,
            "number_masked": self.number_masked,
            "removed_at": self.removed_at,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "LineTransfer":
        try:
            return cls(
                given_names=str(payload["given_names"]),
                email=str(payload["email"]),
                number_masked=str(payload["number_masked"]),
                removed_at=aware(payload["removed_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentDeliveryError(f"delivery payload unusable: {exc}") from None


@dataclass(frozen=True)
class LineTransferred:
    """lines' LineRemoved with reason "transferred": whom to tell, about which line."""

    event_id: str
    event_type: str
    correlation_id: str | None
    user_id: str
    number: str  # E.164
    removed_at: datetime
