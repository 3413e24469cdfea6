"""In-document outbox (DESIGN §4): the state change and its events are one document update.

A handler writes ``{"$set": ..., **outbox_push(event)}`` (or ``outbox=[...]`` on insert); the
relay publishes what it finds with acks=all and then pulls exactly those entries. A crash between
publish and pull republishes: delivery is at-least-once and every consumer is idempotent.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from common.contracts.base import Event
from common.database import Database, Index
from common.logging import get_logger
from common.metrics import OUTBOX_ERRORS, OUTBOX_PUBLISHED

log = get_logger(__name__)

OUTBOX_FIELD = "outbox"
_PENDING = {f"{OUTBOX_FIELD}.0": {"$exists": True}}

Publish = Callable[[dict[str, Any]], Awaitable[None]]


def outbox_push(*events: Event) -> dict[str, Any]:
    return {"$push": {OUTBOX_FIELD: {"$each": [e.to_document() for e in events]}}}


def outbox_index(collection: str) -> Index:
    return Index(collection, [(f"{OUTBOX_FIELD}.event_id", 1)])


class OutboxRelay:
    def __init__(
        self, database: Database, collections: list[str], publish: Publish, poll_seconds: float
    ) -> None:
        self._database = database
        self._collections = collections
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """Called after a local write with events, so they go out without waiting for a poll."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                published = await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                OUTBOX_ERRORS.inc()
                log.exception("outbox_relay_error")
                published = 0
            if not published:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
                except TimeoutError:
                    pass

    async def drain(self, batch: int = 200) -> int:
        count = 0
        for name in self._collections:
            collection = self._database[name]
            async for doc in collection.find(_PENDING, {OUTBOX_FIELD: 1}).limit(batch):
                count += await self._publish_document(collection, doc)
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
