"""Which email an event gets, and the facts it shows (formatted for Ecuador, in Spanish).

The consumer turns identity's event into a :class:`LinkRequest`; its :class:`LinkMail` is what
the delivery keeps to render the message again on a retry."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from notifier.domain.errors import PermanentDeliveryError

# Ecuador (mainland) is UTC-5 all year, without daylight saving time.
ECUADOR = timezone(timedelta(hours=-5), "ECT")


class Template(StrEnum):
    WELCOME = "welcome"  # sign-up: the seed's §1.2 email with the data entered + activation
    ACTIVATION = "activation"  # a new activation link asked for from the portal
    PASSWORD_RESET = "password_reset"
    INVOICE = "invoice"  # an authorized invoice: its RIDE (PDF) and XML attached
    CREDIT_NOTE = "credit_note"  # an authorized nota de crédito: its RIDE and XML attached
    DEBIT_NOTE = "debit_note"  # an authorized nota de débito: its RIDE and XML attached
    LINE_TRANSFERRED = "line_transferred"  # another account verified the user's line
    LINE_CODE = "line_code"  # SMS: the code that proves control of a line


SUBJECTS: dict[Template, str] = {
    Template.WELCOME: "Bienvenido a {brand}: activa tu cuenta",
    Template.ACTIVATION: "Activa tu cuenta de {brand}",
    Template.PASSWORD_RESET: "Restablece tu contraseña de {brand}",
    Template.LINE_TRANSFERRED: "Tu línea fue registrada en otra cuenta de {brand}",
}


def template_for(event_type: str, reason: str) -> Template:
    if event_type == "identity.password_reset_requested":
        return Template.PASSWORD_RESET
    if event_type == "identity.activation_requested":
        return Template.WELCOME if reason == "registration" else Template.ACTIVATION
    raise PermanentDeliveryError(f"no email template for {event_type}")


def subject(template: Template, brand: str) -> str:
    return SUBJECTS[template].format(brand=brand)


@dataclass(frozen=True)
class LinkMail:
    """What a single-use-link email needs. ``link`` carries a secret token: never log it."""

    given_names: str
    surnames: str
    email: str
    link: str
    issued_at: datetime
    expires_at: datetime
    reason: str

    def to_payload(self) -> dict[str, Any]:
        return {
            "given_names": self.given_names,
            "surnames": self.surnames,
            "email": self.email,
            "link": self.link,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "reason": self.reason,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "LinkMail":
        try:
            return cls(
                given_names=str(payload["given_names"]),
                surnames=str(payload["surnames"]),
                email=str(payload["email"]),
                link=str(payload["link"]),
                issued_at=aware(payload["issued_at"]),
                expires_at=aware(payload["expires_at"]),
                reason=str(payload["reason"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentDeliveryError(f"delivery payload unusable: {exc}") from None

    def check(self) -> None:
        """Refuse what must never be emailed (a non-web link could run script in a client)."""
        if not self.link.startswith(("https://", "http://")):
            raise PermanentDeliveryError("link is not an http(s) URL")
        if not self.email or any(c in self.email for c in "\r\n<>,"):
            raise PermanentDeliveryError("recipient address is not usable")

    def validity(self) -> str:
        """How long the link lasts, as people say it: "24 horas", "60 minutos", "2 días"."""
        return describe_duration(self.expires_at - self.issued_at)

    def expires_text(self) -> str:
        local = self.expires_at.astimezone(ECUADOR)
        return f"{local:%d/%m/%Y} a las {local:%H:%M}, hora de Ecuador"


@dataclass(frozen=True)
class LinkRequest:
    """An event asking for a single-use-link message (activation, password reset)."""

    event_id: str
    event_type: str
    correlation_id: str | None
    user_id: str
    mail: LinkMail


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    content: bytes


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str
    attachments: tuple[Attachment, ...] = ()


def describe_duration(span: timedelta) -> str:
    minutes = max(1, round(span.total_seconds() / 60))
    if minutes % (24 * 60) == 0 and minutes > 24 * 60:
        return _plural(minutes // (24 * 60), "día", "días")
    if minutes % 60 == 0:
        return _plural(minutes // 60, "hora", "horas")
    return _plural(minutes, "minuto", "minutos")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def aware(value: Any) -> datetime:
    """A stored or sent datetime (ISO text, or naive UTC from BSON), timezone-aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {type(value).__name__}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
