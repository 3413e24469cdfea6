"""How billing's operator data looks in MongoDB: collection names, indexes and the mapping
between documents and domain values.

Money is stored as decimal strings ("12.50"), dates as ISO strings ("2026-11-01", which sort as
dates), instants as BSON datetimes. Subscriptions are embedded in their account as a map keyed by
subscription id, so ending one is a plain ``$set`` on a dotted path (FerretDB has no positional
``$`` or ``arrayFilters`` for updating an array element); ids are hex, so keys never hold ``.``
or ``$``.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from billing.domain.accounts import Account, Holder, Subscription
from billing.events import to_wire
from common.database import Index
from common.outbox import OUTBOX_FIELD, outbox_push

ISSUER, PLANS, ACCOUNTS, NUMBER_CLAIMS, CHARGES, LEDGER = (
    "issuer",
    "plans",
    "accounts",
    "number_claims",
    "charges",
    "ledger",
)

ACCOUNT_INDEXES = [
    # Bill runs page through one cycle day's accounts in _id order.
    Index(ACCOUNTS, [("cycle_day", 1), ("_id", 1)]),
    Index(ACCOUNTS, [("holder.id_number", 1)]),
    # Accounts created without a key get "none:<account_id>" (no sparse unique index in FerretDB).
    Index(ACCOUNTS, [("idempotency_key", 1)], unique=True),
    Index(NUMBER_CLAIMS, [("number", 1)]),
    Index(CHARGES, [("account_id", 1), ("idempotency_key", 1)], unique=True),
    Index(CHARGES, [("account_id", 1), ("period", 1)]),
    Index(LEDGER, [("kind", 1), ("idempotency_key", 1)], unique=True),
    Index(LEDGER, [("account_id", 1)]),
]
# Accounts carry SubscriptionActivated/Ended, payment entries PaymentRecorded.
ACCOUNT_OUTBOX_COLLECTIONS = [ACCOUNTS, LEDGER]


def now() -> datetime:
    return datetime.now(UTC)


def iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def wire_documents(events: Iterable[object]) -> list[dict[str, Any]]:
    """Domain events as outbox entries (their wire form, mapped by billing/events.py)."""
    return [to_wire(event).to_document() for event in events]


def pushed(events: Iterable[object]) -> dict[str, Any]:
    """The ``$push`` of domain events onto a document's outbox (in the same update)."""
    return outbox_push(*(to_wire(event) for event in events))


def subscription_document(sub: Subscription) -> dict[str, Any]:
    return {
        "number": sub.number,
        "service_type": sub.service_type,
        "plan_code": sub.plan_code,
        "start_date": iso(sub.start_date),
        "end_date": iso(sub.end_date),
        "monthly_discount": str(sub.monthly_discount),
    }


def subscription(subscription_id: str, doc: Mapping[str, Any]) -> Subscription:
    start = day(doc["start_date"])
    assert start is not None
    return Subscription(
        subscription_id=subscription_id,
        number=doc["number"],
        service_type=doc["service_type"],
        plan_code=doc["plan_code"],
        start_date=start,
        end_date=day(doc.get("end_date")),
        monthly_discount=Decimal(doc.get("monthly_discount", "0.00")),
    )


def holder_document(holder: Holder) -> dict[str, Any]:
    return {
        "id_type": holder.id_type,
        "id_number": holder.id_number,
        "name": holder.name,
        "address": holder.address,
        "email": holder.email,
        "phone": holder.phone,
    }


def account(doc: Mapping[str, Any]) -> Account:
    subscriptions = sorted(
        (subscription(sid, sub) for sid, sub in doc.get("subscriptions", {}).items()),
        key=lambda s: (s.start_date, s.subscription_id),
    )
    return Account(
        account_id=doc["_id"],
        holder=Holder(**doc["holder"]),
        cycle_day=doc["cycle_day"],
        payment_method=doc["payment_method"],
        subscriptions=tuple(subscriptions),
    )


def account_document(account: Account, idempotency_key: str | None, at: datetime) -> dict[str, Any]:
    """A new account's document; its subscriptions' events go to its outbox."""
    return {
        "_id": account.account_id,
        "holder": holder_document(account.holder),
        "cycle_day": account.cycle_day,
        "payment_method": account.payment_method,
        "subscriptions": {
            s.subscription_id: subscription_document(s) for s in account.subscriptions
        },
        "idempotency_key": idempotency_key or f"none:{account.account_id}",
        "created_at": at,
        OUTBOX_FIELD: wire_documents(account.events),
    }


def claim_document(account_id: str, sub: Subscription, seq: int, at: datetime) -> dict[str, Any]:
    """A subscription's claim on its number: the ``seq``-th one (``_id`` "<number>#<seq>")."""
    return {
        "_id": f"{sub.number}#{seq:06d}",
        "number": sub.number,
        "seq": seq,
        "account_id": account_id,
        "subscription_id": sub.subscription_id,
        "subscription": subscription_document(sub),
        "claimed_at": at,
    }
