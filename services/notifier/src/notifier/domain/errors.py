"""Why a send failed, and whether trying again later can help."""

from enum import StrEnum


class SmtpStage(StrEnum):
    """Where in the SMTP conversation the server answered with an error."""

    CONNECT = "connect"
    HELO = "helo"
    STARTTLS = "starttls"
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"
    SESSION = "session"


class DeliveryError(Exception):
    """A send that did not go through. ``code`` is the provider's reply code, if any."""

    transient: bool = True

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    def describe(self) -> str:
        return f"{self.code} {self.reason}" if self.code else self.reason


class TransientDeliveryError(DeliveryError):
    """The provider is unreachable, slow or said "try later" (4xx): retry with backoff."""

    transient = True


class PermanentDeliveryError(DeliveryError):
    """The provider refused this message or recipient for good (5xx), or it cannot be built."""

    transient = False


class Undeliverable(Exception):
    """A delivery failed for good: recorded as ``failed``, NotificationFailed in its outbox.

    The consumer that asked for it sends its source message to the dead-letter topic.
    """


# Stages where a 5xx says something about the message or its recipient, not about our session
# (a 5xx on connect, EHLO, STARTTLS or AUTH is a server or configuration problem: an operator can
# fix it, so the message waits in the retry schedule instead of failing).
_MESSAGE_STAGES = frozenset({SmtpStage.MAIL, SmtpStage.RCPT, SmtpStage.DATA})


def classify_smtp_reply(stage: SmtpStage, code: int, message: str) -> DeliveryError:
    """RFC 5321: 4xx is a transient negative reply, 5xx a permanent one."""
    reason = f"{stage.value}: {message}".strip()
    if 500 <= code < 600 and stage in _MESSAGE_STAGES:
        return PermanentDeliveryError(reason, code)
    return TransientDeliveryError(reason, code)


def connection_problem(reason: str) -> TransientDeliveryError:
    """Refused, reset or timed-out connections: the server may be back in a moment."""
    return TransientDeliveryError(reason)


# SMPP 3.4 command_status values (§5.1.3) that say something about one submit_sm.
ESME_ROK = 0x00
ESME_RINVMSGLEN = 0x01
ESME_RSYSERR = 0x08
ESME_RINVDSTADR = 0x0B
ESME_RMSGQFUL = 0x14
ESME_RINVDSTTON = 0x50
ESME_RINVDSTNPI = 0x51
ESME_RTHROTTLED = 0x58
ESME_RX_R_APPN = 0x66

# Refusals of this message or its destination; anything else (throttled, queue full, system
# error, a source address or bind the operator must fix) may pass later: transient.
_SMPP_PERMANENT = frozenset(
    {ESME_RINVMSGLEN, ESME_RINVDSTADR, ESME_RINVDSTTON, ESME_RINVDSTNPI, ESME_RX_R_APPN}
)


def classify_submit_status(status: int) -> DeliveryError:
    """A submit_sm_resp that did not accept the message."""
    reason = f"submit_sm refused (command_status 0x{status:08X})"
    if status in _SMPP_PERMANENT:
        return PermanentDeliveryError(reason, status)
    return TransientDeliveryError(reason, status)
