"""The projections of billing's events (MongoDB API): subscribers and each number's latest
invoice. Dates are kept as ISO strings (BSON has no plain date), money as decimal strings."""

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymongo.errors import BulkWriteError, OperationFailure

from common.database import Database
from lines.adapters.store import DIRECTORY_STATE, INVOICES, SUBSCRIBERS, is_duplicate
from lines.domain.directory import InvoiceSummary, Subscription

ATTEMPTS = 10
DUPLICATE_KEY = 11000
_BACKFILL = "backfill"


def _subscription_document(subscription: Subscription) -> dict[str, Any]:
    doc = asdict(subscription)
    doc["_id"] = doc.pop("subscription_id")
    doc["start_date"] = subscription.start_date.isoformat()
    doc["end_date"] = subscription.end_date.isoformat() if subscription.end_date else None
    return doc


def _subscription(doc: dict[str, Any]) -> Subscription:
    return Subscription(
        subscription_id=doc["_id"],
        account_id=doc["account_id"],
        number=doc["number"],
        service_type=doc["service_type"],
        plan_code=doc["plan_code"],
        plan_name=doc.get("plan_name"),
        start_date=date.fromisoformat(doc["start_date"]),
        end_date=date.fromisoformat(doc["end_date"]) if doc.get("end_date") else None,
        contact_mobile=doc.get("contact_mobile"),
        as_of=doc["as_of"],
    )


class SubscriberStore:
    """One document per subscription id: the merge of every event seen for it."""

    def __init__(self, database: Database) -> None:
        self._subscribers = database[SUBSCRIBERS]
        self._state = database[DIRECTORY_STATE]

    async def record(self, subscription: Subscription) -> None:
        """Load, merge (the domain's rule), compare-and-set on ``version``; again if another
        writer got there first. A replayed event merges to the same document."""
        for _ in range(ATTEMPTS):
            doc = await self._subscribers.find_one({"_id": subscription.subscription_id})
            if doc is None:
                try:
                    await self._subscribers.insert_one(
                        _subscription_document(subscription) | {"version": 1}
                    )
                except OperationFailure as error:
                    if not is_duplicate(error):
                        raise
                    continue
                return
            merged = _subscription(doc).merged(subscription)
            if merged == _subscription(doc):
                return
            update = _subscription_document(merged)
            update.pop("_id")
            update["version"] = doc["version"] + 1
            result = await self._subscribers.update_one(
                {"_id": doc["_id"], "version": doc["version"]}, {"$set": update}
            )
            if result.matched_count:
                return
        raise RuntimeError(f"subscription {subscription.subscription_id}: too many races")

    async def record_many(self, subscriptions: list[Subscription]) -> None:
        """One bulk insert for the subscriptions not known yet (a fresh database: all of them);
        those already there (a duplicate key) are merged one by one like ``record``."""
        if not subscriptions:
            return
        docs = [_subscription_document(s) | {"version": 1} for s in subscriptions]
        try:
            await self._subscribers.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            failed = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in failed):
                raise
            for e in failed:
                await self.record(subscriptions[e["index"]])

    async def of_number(self, number: str) -> list[Subscription]:
        return [_subscription(d) async for d in self._subscribers.find({"number": number})]

    async def backfilled(self) -> bool:
        return await self._state.find_one({"_id": _BACKFILL}) is not None

    async def mark_backfilled(self, at: datetime, count: int) -> None:
        await self._state.update_one(
            {"_id": _BACKFILL}, {"$set": {"at": at, "events": count}}, upsert=True
        )


class LatestInvoiceStore:
    """One document per E.164 number: its newest invoice (by ``InvoiceSummary.rank``)."""

    def __init__(self, database: Database) -> None:
        self._invoices = database[INVOICES]

    async def record(self, number: str, invoice: InvoiceSummary) -> None:
        doc = asdict(invoice)
        doc |= {
            "total": str(invoice.total),
            "balance_due": str(invoice.balance_due),
            "issue_date": invoice.issue_date.isoformat(),
            "rank": invoice.rank,
        }
        try:
            # Replaces only an older invoice; when the number's document ranks the same or
            # higher, the filter misses, the upsert collides on _id and the newer one stays.
            await self._invoices.update_one(
                {"_id": number, "rank": {"$lt": invoice.rank}}, {"$set": doc}, upsert=True
            )
        except OperationFailure as error:
            if not is_duplicate(error):
                raise

    async def latest(self, number: str) -> InvoiceSummary | None:
        doc = await self._invoices.find_one({"_id": number})
        if doc is None:
            return None
        return InvoiceSummary(
            invoice_id=doc["invoice_id"],
            account_id=doc["account_id"],
            period=doc["period"],
            invoice_number=doc["invoice_number"],
            total=Decimal(doc["total"]),
            balance_due=Decimal(doc["balance_due"]),
            issue_date=date.fromisoformat(doc["issue_date"]),
        )
