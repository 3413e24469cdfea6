"""What lines knows of billing: the subscriber directory and each number's latest invoice.

Both are projections of billing's events (SubscriptionActivated / SubscriptionEnded,
InvoiceIssued), kept so that lines answers "GENERAR" and "Consultar" without calling billing:
they work while billing is slow or down, and lines holds no credentials to billing. The invoice
summary is the balance as of the invoice's issue; the live statement is billing's ``/statement``.
"""

from dataclasses import astuple, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

# Contract dates (start, end) are Ecuador's calendar days; Ecuador has no daylight saving.
ECUADOR = timezone(timedelta(hours=-5), "ECT")


def ecuador_day(instant: datetime) -> date:
    return instant.astimezone(ECUADOR).date()


@dataclass(frozen=True)
class Subscription:
    """One subscription of a number, as billing's events last described it.

    ``as_of`` is when billing said so (the event's ``occurred_at``): the newest description
    wins, except the end date, which can only be brought forward.
    """

    subscription_id: str
    account_id: str
    number: str  # E.164
    service_type: str
    plan_code: str
    plan_name: str | None
    start_date: date
    end_date: date | None
    contact_mobile: str | None
    as_of: datetime

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def merged(self, other: "Subscription") -> "Subscription":
        """The same result whatever order the events arrive in (commutative, associative,
        idempotent): the newest description, with the earliest end date either one knew."""
        newest = max(self, other, key=_recency)
        ends = [d for d in (self.end_date, other.end_date) if d is not None]
        return replace(newest, end_date=min(ends) if ends else None)

    @property
    def plan_label(self) -> str:
        """The plan as the customer knows it: its name, or its code when billing sent none."""
        return self.plan_name or self.plan_code


def _recency(subscription: Subscription) -> tuple[datetime, str]:
    # Ties (same instant) are broken by the content itself, so the order never matters.
    return subscription.as_of, repr(astuple(replace(subscription, end_date=None)))


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    UNKNOWN = "unknown"


def current(subscriptions: list[Subscription], day: date) -> Subscription | None:
    """The number's subscription active on ``day`` (the latest started, should billing ever
    list two)."""
    active = [s for s in subscriptions if s.active_on(day)]
    return max(active, key=lambda s: (s.start_date, s.subscription_id), default=None)


def status_on(
    subscriptions: list[Subscription], day: date
) -> tuple[SubscriptionStatus, Subscription | None]:
    """Consultar: the active subscription, else the last one that ended, else unknown."""
    found = current(subscriptions, day)
    if found is not None:
        return SubscriptionStatus.ACTIVE, found
    ended = [s for s in subscriptions if s.end_date is not None and s.end_date < day]
    last = max(ended, key=lambda s: (s.end_date, s.subscription_id), default=None)
    return (SubscriptionStatus.UNKNOWN, None) if last is None else (SubscriptionStatus.ENDED, last)


@dataclass(frozen=True)
class InvoiceSummary:
    """A number's latest invoice, as billing issued it (money in Decimal)."""

    invoice_id: str
    account_id: str
    period: str  # YYYY-MM
    invoice_number: str  # 001-001-000000123
    total: Decimal
    balance_due: Decimal
    issue_date: date

    @property
    def rank(self) -> str:
        """Orders a number's invoices: the newest period wins (then issue date, then id), so a
        late or replayed InvoiceIssued never replaces a newer one."""
        return f"{self.period}|{self.issue_date.isoformat()}|{self.invoice_id}"
