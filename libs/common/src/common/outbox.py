"""In-document outbox (DESIGN §4): the state change and its events are one document update.

A handler writes ``{"$set": ..., **outbox_push(event)}`` (or ``outbox=[...]`` on insert) and then
tells the relay which document it wrote (``Runtime.events_written``). The relay publishes that
document's entries with acks=all and then pulls exactly those entries. Documents written by a
process that died before its relay got to them are found by a periodic sweep of the whole
collection (and one at start-up). A crash between publish and pull republishes: delivery is
at-least-once and every consumer is idempotent.

Looking documents up by ``_id`` keeps the fast path cheap on every MongoDB-compatible server
(FerretDB's SQLite backend filters anything else in memory).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from common.contracts.base import Event
from common.database import Database
from common.logging import get_logger
from common.metrics import OUTBOX_ERRORS, OUTBOX_PUBLISHED

log = get_logger(__name__)

OUTBOX_FIELD = "outbox"
_PENDING = {f"{OUTBOX_FIELD}.0": {"$exists": True}}

Publish = Callable[[dict[str, Any]], Awaitable[None]]


def outbox_push(*events: Event) -> dict[str, Any]:
    return {"$push": {OUTBOX_FIELD: {"$each": [e.to_document() for e in events]}}}


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        collections: list[str],
        publish: Publish,
        sweep_seconds: float,
    ) -> None:
        self._database = database
        self._collections = collections
        self._publish = publish
        self._sweep_seconds = sweep_seconds
        self._written: set[tuple[str, Any]] = set()
        self._wake = asyncio.Event()

    def notify(self, collection: str, doc_id: Any) -> None:
        """A local write added events to this document: publish them now."""
        self._written.add((collection, doc_id))
        self._wake.set()

    async def run(self) -> None:
        next_sweep = 0.0  # sweep at start-up: events left by a previous process
        while True:
            self._wake.clear()
            try:
                if time.monotonic() >= next_sweep:
                    await self.sweep()
                    next_sweep = time.monotonic() + self._sweep_seconds
                await self.drain_written()
            except asyncio.CancelledError:
                raise
            except Exception:
                OUTBOX_ERRORS.inc()
                log.exception("outbox_relay_error")
                await asyncio.sleep(1.0)  # Kafka or the database is down: do not spin
                continue
            if not self._written:
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
                doc = await self._database[collection].find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
                if doc and doc.get(OUTBOX_FIELD):
                    count += await self._publish_document(self._database[collection], doc)
            except Exception:
                self._written.add((collection, doc_id))  # keep it for the next round
                raise
        return count

    async def sweep(self, batch: int = 500) -> int:
        """Publish every pending document, ``batch`` documents per query, until none is left."""
        count = 0
        for name in self._collections:
            collection = self._database[name]
            while True:
                found = 0
                async for doc in collection.find(_PENDING, {OUTBOX_FIELD: 1}).limit(batch):
                    found += 1
                    count += await self._publish_document(collection, doc)
                if found < batch:
                    break
        return count

    async def _publish_document(self, collection: Any, doc: dict[str, Any]) -> int:
        entries = doc[OUTBOX_FIELD]
        for entry in entries:
            await self._publish(entry)
            OUTBOX_PUBLISHED.labels(entry["topic"]).inc()
        # $pullAll of the exact entries read: FerretDB's $pull takes no conditions, and entries
        # appended meanwhile stay for the next round.
        await collection.update_one({"_id": doc["_id"]}, {"$pullAll": {OUTBOX_FIELD: entries}})
        return len(entries)
