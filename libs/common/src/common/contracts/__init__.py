"""Event contracts: one Pydantic model per event type, one Kafka topic per type (docs/design.md §3).

Changing a schema: add optional fields only; a breaking change is a new type on a new topic.
"""

from common.contracts.base import DEAD_LETTER_SUFFIX, Event, dead_letter_topic
from common.contracts.billing import (
    BillRunCompleted,
    CreditNoteIssued,
    DebitNoteIssued,
    InvoiceCorrected,
    InvoiceIssued,
    InvoiceRejected,
    PaymentRecorded,
    SubscriptionActivated,
    SubscriptionEnded,
    WithholdingReceived,
)
from common.contracts.identity import (
    ActivationRequested,
    PasswordResetRequested,
    SessionsRevoked,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from common.contracts.lines import LineRegistered, LineRemoved, LineVerificationRequested
from common.contracts.notifier import NotificationDelivered, NotificationFailed
from common.contracts.rendering import RideFailed, RideRendered

# Every event type, as declared (each declaration registers itself: nothing to keep in step).
ALL_EVENTS: tuple[type[Event], ...] = tuple(Event.registered)

__all__ = [
    "ALL_EVENTS",
    "DEAD_LETTER_SUFFIX",
    "ActivationRequested",
    "BillRunCompleted",
    "CreditNoteIssued",
    "DebitNoteIssued",
    "Event",
    "InvoiceCorrected",
    "InvoiceIssued",
    "InvoiceRejected",
    "LineRegistered",
    "LineRemoved",
    "LineVerificationRequested",
    "NotificationDelivered",
    "NotificationFailed",
    "PasswordResetRequested",
    "PaymentRecorded",
    "RideFailed",
    "RideRendered",
    "SessionsRevoked",
    "SubscriptionActivated",
    "SubscriptionEnded",
    "UserActivated",
    "UserLockedOut",
    "UserRegistered",
    "WithholdingReceived",
    "dead_letter_topic",
]
