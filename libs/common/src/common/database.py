"""MongoDB-API access (PyMongo async client) and start-up index creation (docs/design.md §5)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from common.outbox import OutboxCollection


@dataclass(frozen=True)
class Index:
    collection: str
    keys: list[tuple[str, int]]
    unique: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return "_".join(f"{k}_{d}" for k, d in self.keys) + ("_unique" if self.unique else "")


# Every consumer records what it processed: a replayed event is recognised and skipped.
PROCESSED_EVENTS = "processed_events"
PROCESSED_EVENTS_INDEX = Index(PROCESSED_EVENTS, [("consumer", 1), ("event_id", 1)], unique=True)
# The periodic clean-up deletes by age (common/service.py); the runtime's own indexes.
RUNTIME_INDEXES = [PROCESSED_EVENTS_INDEX, Index(PROCESSED_EVENTS, [("processed_at", 1)])]


class Database:
    def __init__(self, url: str, name: str, max_pool_size: int = 100) -> None:
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            url,
            tz_aware=True,
            serverSelectionTimeoutMS=5000,
            connectTimeoutMS=5000,
            maxPoolSize=max_pool_size,
        )
        self.db: AsyncDatabase[dict[str, Any]] = self.client[name]
        self._outboxes: set[str] = set()
        self._notify: Callable[[str, Any], None] | None = None

    def watch_outboxes(
        self, collections: Iterable[str], notify: Callable[[str, Any], None]
    ) -> None:
        """From now on a write with events to one of these collections calls ``notify`` (the
        outbox relay), whoever makes it, through whichever handle they got before or after."""
        self._outboxes |= set(collections)
        self._notify = notify

    def _written(self, collection: str, doc_id: Any) -> None:
        if self._notify is not None and collection in self._outboxes:
            self._notify(collection, doc_id)

    def __getitem__(self, collection: str) -> Any:
        # Every handle is wrapped: which collections hold outboxes is known only once the app
        # is built from its spec, after bootstrap handed the stores their collections.
        return OutboxCollection(self.db[collection], self._written)

    def raw(self, collection: str) -> Any:
        """The PyMongo collection itself (the relay's own reads and pulls)."""
        return self.db[collection]

    async def ping(self) -> bool:
        try:
            await self.client.admin.command("ping")
        except Exception:
            return False
        return True

    async def ensure_indexes(self, indexes: list[Index]) -> None:
        """Idempotent: creating an index that exists with the same spec is a no-op."""
        for index in [*RUNTIME_INDEXES, *indexes]:
            await self.db[index.collection].create_index(
                index.keys, name=index.name, unique=index.unique, **index.options
            )

    async def forget_processed(self, before: datetime) -> int:
        """Delete the processed-event records older than ``before``; how many."""
        result = await self.db[PROCESSED_EVENTS].delete_many({"processed_at": {"$lt": before}})
        return int(result.deleted_count)

    async def close(self) -> None:
        await self.client.close()
