"""Event contracts: one Pydantic model per event type, one Kafka topic per type (DESIGN §3).

Changing a schema: add optional fields only; a breaking change is a new type on a new topic.
"""

from common.contracts.base import DEAD_LETTER_SUFFIX, Event, dead_letter_topic
from common.contracts.billing import (
    BillRunCompleted,
    InvoiceIssued,
    InvoiceRejected,
    PaymentRecorded,
    SubscriptionActivated,
    SubscriptionEnded,
)
from common.contracts.identity import (
    ActivationRequested,
    PasswordResetRequested,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from common.contracts.notifier import NotificationDelivered, NotificationFailed

ALL_EVENTS: tuple[type[Event], ...] = (
    UserRegistered,
    UserActivated,
    ActivationRequested,
    PasswordResetRequested,
    UserLockedOut,
    NotificationDelivered,
    NotificationFailed,
    SubscriptionActivated,
    SubscriptionEnded,
    PaymentRecorded,
    InvoiceIssued,
    InvoiceRejected,
    BillRunCompleted,
)

__all__ = [
    "ALL_EVENTS",
    "DEAD_LETTER_SUFFIX",
    "ActivationRequested",
    "BillRunCompleted",
    "Event",
    "InvoiceIssued",
    "InvoiceRejected",
    "NotificationDelivered",
    "NotificationFailed",
    "PasswordResetRequested",
    "PaymentRecorded",
    "SubscriptionActivated",
    "SubscriptionEnded",
    "UserActivated",
    "UserLockedOut",
    "UserRegistered",
    "dead_letter_topic",
]
