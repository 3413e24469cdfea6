"""In-document outbox (docs/design.md §4): the state change and its events are one document update.

A store writes ``{"$set": ..., **outbox_push(event)}`` (or ``outbox=[...]`` on insert) to a
collection the service declared as an outbox collection. The database hands out those
collections wrapped in :class:`OutboxCollection`, which tells the relay which document got new
events as soon as the write returns: no caller can forget to, so no event waits for the sweep.
The relay publishes that document's entries with acks=all and then pulls exactly those entries.
Documents written by a process that died before its relay got to them are found by a periodic
sweep of the whole collection (and one at start-up). A crash between publish and pull
republishes: delivery is at-least-once and every consumer is idempotent. Entries are published
one by one: one that keeps failing while Kafka answers is parked (``outbox_parked``) after
``OUTBOX_MAX_ATTEMPTS`` instead of holding back the others; while Kafka is down every entry waits.

Looking documents up by ``_id`` keeps the fast path cheap on every MongoDB-compatible server
(FerretDB's SQLite backend filters anything else in memory).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from common.contracts.base import Event
from common.logging import get_logger
from common.metrics import OUTBOX_ERRORS, OUTBOX_PARKED, OUTBOX_PUBLISHED

log = get_logger(__name__)

OUTBOX_FIELD = "outbox"
_PENDING = {f"{OUTBOX_FIELD}.0": {"$exists": True}}

# Entries that kept failing while Kafka answered, with their error (OutboxRelay).
PARKED = "outbox_parked"

Publish = Callable[[dict[str, Any]], Awaitable[None]]
Reachable = Callable[[], Awaitable[bool]]
Notify = Callable[[str, Any], None]
# A write whose documents cannot be named (update_many, a filter without _id): sweep now.
SWEEP = object()


def outbox_push(*events: Event) -> dict[str, Any]:
    return {"$push": {OUTBOX_FIELD: {"$each": [e.to_document() for e in events]}}}


def _carries_events(update: Any) -> bool:
    if not isinstance(update, Mapping):
        return False  # an aggregation pipeline: outbox writes never use one
    pushed = update.get("$push") or {}
    return OUTBOX_FIELD in pushed or bool((update.get("$set") or {}).get(OUTBOX_FIELD))


class OutboxCollection:
    """A collection holding outboxes: every write that adds events wakes the relay.

    Reads and writes without events pass straight through to the PyMongo collection.
    """

    def __init__(self, collection: Any, notify: Notify) -> None:
        self._collection = collection
        self._notify = notify

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    def _written(self, doc_id: Any) -> None:
        self._notify(self._collection.name, doc_id)  # the database decides if it is an outbox

    async def insert_one(self, document: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = await self._collection.insert_one(document, *args, **kwargs)
        if document.get(OUTBOX_FIELD):
            self._written(result.inserted_id)
        return result

    async def insert_many(
        self, documents: Iterable[Mapping[str, Any]], *args: Any, **kwargs: Any
    ) -> Any:
        documents = list(documents)
        try:
            result = await self._collection.insert_many(documents, *args, **kwargs)
        finally:
            # An unordered batch may fail part-way: the documents that made it still count.
            for doc in documents:
                if doc.get(OUTBOX_FIELD) and "_id" in doc:
                    self._written(doc["_id"])
        return result

    async def update_one(
        self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any
    ) -> Any:
        result = await self._collection.update_one(filter, update, *args, **kwargs)
        if _carries_events(update) and (result.modified_count or result.upserted_id):
            self._written(result.upserted_id or filter.get("_id", SWEEP))
        return result

    async def update_many(
        self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any
    ) -> Any:
        result = await self._collection.update_many(filter, update, *args, **kwargs)
        if _carries_events(update) and result.modified_count:
            self._written(SWEEP)
        return result

    async def find_one_and_update(
        self, filter: Mapping[str, Any], update: Any, *args: Any, **kwargs: Any
    ) -> Any:
        doc = await self._collection.find_one_and_update(filter, update, *args, **kwargs)
        if _carries_events(update) and doc is not None:
            self._written(doc["_id"])
        return doc

    async def bulk_write(self, requests: list[Any], *args: Any, **kwargs: Any) -> Any:
        result = await self._collection.bulk_write(requests, *args, **kwargs)
        if any(_request_carries_events(r) for r in requests):
            self._written(SWEEP)
        return result


def _request_carries_events(request: Any) -> bool:
    document = getattr(request, "_doc", None)
    if isinstance(document, Mapping):
        return _carries_events(document) or bool(document.get(OUTBOX_FIELD))
    return False


class OutboxRelay:
    """Publishes the outbox entries of the watched collections, one entry at a time.

    An entry that fails while Kafka answers (too big for the broker, a topic that does not exist
    or may not be written) is tried again at the next rounds; after ``max_attempts`` it is
    parked: copied to ``outbox_parked`` with its error (never lost), counted in
    ``outbox_parked_total`` and removed from its document, so the entries after it move on.
    While Kafka does not answer nothing counts against an entry: the round stops and the relay
    tries again later (the outbox absorbs the outage)."""

    def __init__(
        self,
        database: Any,
        collections: Iterable[str],
        publish: Publish,
        sweep_seconds: float,
        *,
        max_attempts: int = 5,
        kafka_reachable: Reachable | None = None,
    ) -> None:
        self._database = database
        self._collections = list(collections)
        self._publish = publish
        self._sweep_seconds = sweep_seconds
        self._max_attempts = max_attempts
        self._kafka_reachable = kafka_reachable or _always
        self._written: set[tuple[str, Any]] = set()
        self._failures: dict[str, int] = {}  # event id -> failed attempts (this process)
        self._sweep_soon = False
        self._wake = asyncio.Event()

    def watch(self, collections: Iterable[str]) -> None:
        self._collections = list(collections)

    def notify(self, collection: str, doc_id: Any) -> None:
        """A local write added events to this document (or to unnamed ones): publish them now."""
        if doc_id is SWEEP:
            self._sweep_soon = True
        else:
            self._written.add((collection, doc_id))
        self._wake.set()

    async def run(self) -> None:
        next_sweep = 0.0  # sweep at start-up: events left by a previous process
        while True:
            self._wake.clear()
            try:
                await self.drain_written()
                if self._sweep_soon or time.monotonic() >= next_sweep:
                    self._sweep_soon = False
                    await self.sweep()
                    next_sweep = time.monotonic() + self._sweep_seconds
            except asyncio.CancelledError:
                raise
            except Exception:
                OUTBOX_ERRORS.inc()
                log.exception("outbox_relay_error")
                await asyncio.sleep(1.0)  # Kafka or the database is down: do not spin
                continue
            if not self._written and not self._sweep_soon:
                timeout = max(0.0, next_sweep - time.monotonic())
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except TimeoutError:
                    pass

    async def drain_written(self) -> int:
        count = 0
        while self._written:
            collection, doc_id = self._written.pop()
            try:
                raw = self._database.raw(collection)
                doc = await raw.find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
                if doc and doc.get(OUTBOX_FIELD):
                    published, _ = await self._publish_document(collection, raw, doc, "written")
                    count += published
            except Exception:
                self._written.add((collection, doc_id))  # keep it for the next round
                raise
        return count

    async def sweep(self, batch: int = 500) -> int:
        """Publish every pending document, ``batch`` documents per query, until none is left
        but those whose entries failed in this sweep (the next sweep tries them again)."""
        count = 0
        for name in self._collections:
            collection = self._database.raw(name)
            failing: set[Any] = set()
            while True:
                found = fresh = 0
                async for doc in collection.find(_PENDING, {OUTBOX_FIELD: 1}).limit(batch):
                    found += 1
                    if doc["_id"] in failing:
                        continue
                    fresh += 1
                    # Written and notified a moment ago: not a write the relay missed.
                    notified = (name, doc["_id"]) in self._written
                    self._written.discard((name, doc["_id"]))
                    via = "written" if notified else "sweep"
                    published, complete = await self._publish_document(name, collection, doc, via)
                    count += published
                    if not complete:
                        failing.add(doc["_id"])
                if found < batch or not fresh:
                    break
        return count

    async def _publish_document(
        self, name: str, collection: Any, doc: dict[str, Any], via: str
    ) -> tuple[int, bool]:
        """Publish the document's entries in order; (how many, whether none is left). An entry
        that fails keeps the ones after it waiting (one aggregate's events stay in order)."""
        done: list[dict[str, Any]] = []
        parked: list[dict[str, Any]] = []
        complete = True
        try:
            for entry in doc[OUTBOX_FIELD]:
                try:
                    await self._publish(entry)
                except Exception as exc:
                    if not await self._kafka_reachable():
                        raise  # an outage, not this entry's fault: nothing counts against it
                    if not await self._failed(name, doc["_id"], entry, exc):
                        complete = False
                        break
                    parked.append(entry)
                    continue
                self._failures.pop(_entry_id(entry), None)
                OUTBOX_PUBLISHED.labels(entry["topic"], via).inc()
                done.append(entry)
        finally:
            # $pullAll of the exact entries handled: FerretDB's $pull takes no conditions, and
            # entries appended meanwhile stay for the next round.
            if done or parked:
                await collection.update_one(
                    {"_id": doc["_id"]}, {"$pullAll": {OUTBOX_FIELD: done + parked}}
                )
        return len(done), complete

    async def _failed(self, name: str, doc_id: Any, entry: dict[str, Any], exc: Exception) -> bool:
        """Count a failure of this entry while Kafka answers; park it at the last attempt.
        Whether it was parked."""
        entry_id = _entry_id(entry)
        attempts = self._failures.get(entry_id, 0) + 1
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("outbox_entry_failed", topic=entry.get("topic"), attempt=attempts, error=error)
        if attempts < self._max_attempts:
            self._failures[entry_id] = attempts
            return False
        record = {
            "_id": entry_id,
            "collection": name,
            "document_id": doc_id,
            "entry": entry,
            "error": error,
            "attempts": attempts,
            "parked_at": datetime.now(UTC),
        }
        try:
            await self._database.raw(PARKED).insert_one(record)
        except DuplicateKeyError:
            pass  # parked before, by a process that died before removing it from its document
        self._failures.pop(entry_id, None)
        OUTBOX_PARKED.labels(entry.get("topic", "")).inc()
        log.error("outbox_entry_parked", topic=entry.get("topic"), event_id=entry_id, error=error)
        return True


def _entry_id(entry: dict[str, Any]) -> str:
    return str(entry.get("event_id") or entry.get("headers", {}).get("ce_id"))


async def _always() -> bool:
    return True
