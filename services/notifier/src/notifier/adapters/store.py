"""notifier's persistence (MongoDB API): recipients, and deliveries with their outbox."""

import uuid
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from common.database import Database, Index
from common.outbox import OUTBOX_FIELD, outbox_push
from notifier.adapters.invoice_store import INVOICE_INDEXES
from notifier.domain.deliveries import OPEN_STATUSES, Delivery, DeliveryStatus, FailureReason
from notifier.domain.recipients import Recipient
from notifier.domain.sms import DeliveryReceipt
from notifier.events import to_wire
from notifier.ports import StoreUnavailable

RECIPIENTS, DELIVERIES = "recipients", "deliveries"

INDEXES = [
    # One delivery per (source event, channel): a replayed event finds the one it created.
    Index(DELIVERIES, [("source_event_id", 1), ("channel", 1)], unique=True),
    # The retry loop's query: open deliveries that are due.
    Index(DELIVERIES, [("status", 1), ("next_attempt_at", 1)]),
    Index(DELIVERIES, [("recipient_key", 1), ("created_at", -1)]),
    # An SMSC's delivery receipt names the message id it gave: equality, so FerretDB serves it
    # from the index. Not unique: email and SMS ids come from different providers.
    Index(DELIVERIES, [("provider_message_id", 1)]),
    Index(RECIPIENTS, [("email_key", 1)]),
    *INVOICE_INDEXES,
]
OUTBOX_COLLECTIONS = [DELIVERIES]

_OPEN = [s.value for s in OPEN_STATUSES]
# Written by the store, not part of the aggregate.
_BOOKKEEPING = ("_id", OUTBOX_FIELD, "claim_id", "claimed_until", "recipient_key")


def recipient_key(address: str) -> str:
    return address.strip().casefold()


class RecipientStore:
    def __init__(self, database: Database) -> None:
        self._recipients = database[RECIPIENTS]

    async def upsert(self, recipient: Recipient, now: datetime) -> None:
        """Idempotent: the profile wins, preferences and locale are only set the first time."""
        await self._recipients.update_one(
            {"_id": recipient.user_id},
            {
                "$set": {
                    "email": recipient.email,
                    "email_key": recipient_key(recipient.email),
                    "given_names": recipient.given_names,
                    "surnames": recipient.surnames,
                    "updated_at": now,
                },
                "$setOnInsert": {
                    "preferences": {"email": True},
                    "locale": "es-EC",
                    "created_at": now,
                },
            },
            upsert=True,
        )

    async def get(self, user_id: str) -> Recipient | None:
        doc = await self._recipients.find_one({"_id": user_id})
        if doc is None:
            return None
        return Recipient(
            user_id=doc["_id"],
            email=doc["email"],
            given_names=doc["given_names"],
            surnames=doc["surnames"],
        )


def _to_document(delivery: Delivery) -> dict[str, Any]:
    doc = {f.name: getattr(delivery, f.name) for f in fields(Delivery) if f.name != "events"}
    doc["_id"] = doc.pop("delivery_id")
    doc["status"] = delivery.status.value
    doc["recipient_key"] = recipient_key(delivery.recipient)
    return doc


def _from_document(doc: dict[str, Any]) -> Delivery:
    data = {k: v for k, v in doc.items() if k not in _BOOKKEEPING}
    data["status"] = DeliveryStatus(data["status"])
    if data.get("failure_reason"):
        data["failure_reason"] = FailureReason(data["failure_reason"])
    known = {f.name for f in fields(Delivery)}
    return Delivery(delivery_id=doc["_id"], **{k: v for k, v in data.items() if k in known})


class DeliveryStore:
    """Deliveries are sent by whoever holds the claim: a conditional update hands it to exactly
    one sender (the consumer that created it, or the retry loop) for ``lease`` at a time."""

    def __init__(self, database: Database) -> None:
        self._deliveries = database[DELIVERIES]

    async def create_claimed(
        self, delivery: Delivery, now: datetime, lease: timedelta
    ) -> str | None:
        """Insert the delivery already claimed by the caller: the claim id, or None when a
        delivery for the same (source event, channel) exists."""
        claim_id = uuid.uuid4().hex
        doc = _to_document(delivery)
        doc |= {"claim_id": claim_id, "claimed_until": now + lease, OUTBOX_FIELD: []}
        try:
            await self._deliveries.insert_one(doc)
        except DuplicateKeyError:
            return None
        return claim_id

    async def by_source(self, source_event_id: str, channel: str) -> Delivery | None:
        doc = await self._deliveries.find_one(
            {"source_event_id": source_event_id, "channel": channel}, {OUTBOX_FIELD: 0}
        )
        return _from_document(doc) if doc else None

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Open deliveries whose next attempt is due and that nobody holds.

        One equality query per open status: FerretDB pushes equality down to SQL (an index
        serves it), while ``$in``/``$lte`` would make it read every delivery, every poll.
        """
        due: list[tuple[datetime, str]] = []
        for status in _OPEN:
            cursor = self._deliveries.find(
                {"status": status}, {"_id": 1, "next_attempt_at": 1, "claimed_until": 1}
            )
            async for doc in cursor:
                due_at, claimed = doc.get("next_attempt_at"), doc.get("claimed_until")
                if due_at is not None and due_at <= now and (claimed is None or claimed < now):
                    due.append((due_at, doc["_id"]))
        return [delivery_id for _, delivery_id in sorted(due)[:limit]]

    async def claim(
        self, delivery_id: str, now: datetime, lease: timedelta
    ) -> tuple[Delivery, str] | None:
        """Take the delivery if it is still open and unclaimed (or its claim lapsed)."""
        claim_id = uuid.uuid4().hex
        doc = await self._deliveries.find_one_and_update(
            {"_id": delivery_id, "status": {"$in": _OPEN}, "claimed_until": {"$lt": now}},
            {"$set": {"claim_id": claim_id, "claimed_until": now + lease}},
            # No projection: FerretDB 1.24 does not implement it in findAndModify.
            return_document=ReturnDocument.AFTER,
        )
        return (_from_document(doc), claim_id) if doc else None

    async def record(self, delivery: Delivery, claim_id: str, now: datetime) -> bool:
        """Write the outcome of an attempt with its events, and release the claim.

        Final states drop the payload (it holds the single-use link). False if the claim was
        lost meanwhile (it lapsed and someone else took the delivery); :class:`StoreUnavailable`
        if the database failed (the caller decides whether to try again).
        """
        state = {
            "status": delivery.status.value,
            "attempts": delivery.attempts,
            "last_error": delivery.last_error,
            "next_attempt_at": delivery.next_attempt_at,
            "provider_message_id": delivery.provider_message_id,
            "sent_at": delivery.sent_at,
            "failed_at": delivery.failed_at,
            "failure_reason": delivery.failure_reason,
            "updated_at": delivery.updated_at,
            "claim_id": None,
            "claimed_until": now,
        }
        update: dict[str, Any] = {"$set": state}
        if delivery.is_final:
            update["$unset"] = {"payload": ""}
        if delivery.events:
            update |= outbox_push(*(to_wire(event) for event in delivery.events))
        try:
            result = await self._deliveries.update_one(
                {"_id": delivery.delivery_id, "claim_id": claim_id}, update
            )
        except PyMongoError as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if result.matched_count == 0:
            return False
        delivery.events = []
        return True

    async def record_receipt(self, receipt: DeliveryReceipt, now: datetime) -> bool:
        """Note the receipt on the SMS with its message id (an overwrite: a repeated receipt is
        harmless). Only the receipt's fields: the delivery's state is the sender's to write."""
        if not receipt.message_id:
            return False
        try:
            result = await self._deliveries.update_one(
                {"provider_message_id": receipt.message_id, "channel": "sms"},
                {
                    "$set": {
                        "dlr_status": receipt.status,
                        "dlr_error": receipt.error,
                        "dlr_at": now,
                    }
                },
            )
        except PyMongoError as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        matched: int = result.matched_count
        return matched > 0

    async def search(
        self, *, source_event_id: str | None = None, recipient: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        query: dict[str, Any] = {}
        if source_event_id:
            query["source_event_id"] = source_event_id
        if recipient:
            query["recipient_key"] = recipient_key(recipient)
        cursor = (
            self._deliveries.find(query, {OUTBOX_FIELD: 0, "payload": 0})
            .sort("created_at", -1)
            .limit(limit)
        )
        return [_from_document(doc) async for doc in cursor]
