"""What happened in billing, as the domain says it: plain records the aggregates append to their
``events``. ``billing/events.py`` maps each one to its wire event (common.contracts) when a store
writes it to an outbox; nothing here knows topics or payload shapes."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class SubscriberChanged:
    """A number's subscription as the rest of the platform needs to know it."""

    account_id: str
    subscription_id: str
    number: str  # E.164
    service_type: str
    plan_code: str
    holder_id_type: Literal["cedula", "ruc", "passport"]
    holder_id_number: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class SubscriptionActivated(SubscriberChanged):
    """A number became (or will become, from start_date) the operator's subscriber."""


@dataclass(frozen=True)
class SubscriptionEnded(SubscriberChanged):
    """A subscription ends on end_date (inclusive)."""


@dataclass(frozen=True)
class PaymentRecorded:
    payment_id: str
    account_id: str
    amount: Decimal
    paid_at: datetime
    channel: str


AccountEvent = SubscriptionActivated | SubscriptionEnded
DomainEvent = AccountEvent | PaymentRecorded
