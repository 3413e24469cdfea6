"""The relay publishes entries one by one: an entry that keeps failing while Kafka answers is
parked (kept with its error in outbox_parked, counted) and the others are published; while
Kafka does not answer nothing counts against any entry and nothing is lost."""

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from prometheus_client import REGISTRY
from pymongo.errors import DuplicateKeyError

from common.outbox import OUTBOX_FIELD, PARKED, OutboxRelay

ATTEMPTS = 3


class Cursor:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def limit(self, n: int) -> "Cursor":
        return Cursor(self.docs[:n])

    def __aiter__(self) -> Any:
        async def docs() -> Any:
            for doc in self.docs:
                yield copy.deepcopy(doc)

        return docs()


@dataclass
class Collection:
    docs: dict[Any, dict[str, Any]] = field(default_factory=dict)

    async def find_one(self, query: dict[str, Any], _: Any = None) -> dict[str, Any] | None:
        doc = self.docs.get(query["_id"])
        return copy.deepcopy(doc) if doc else None

    def find(self, query: dict[str, Any], _: Any = None) -> Cursor:
        return Cursor([d for d in self.docs.values() if d.get(OUTBOX_FIELD)])

    async def update_one(self, query: dict[str, Any], update: dict[str, Any]) -> None:
        doc = self.docs[query["_id"]]
        gone = update["$pullAll"][OUTBOX_FIELD]
        doc[OUTBOX_FIELD] = [e for e in doc[OUTBOX_FIELD] if e not in gone]

    async def insert_one(self, doc: dict[str, Any]) -> None:
        if doc["_id"] in self.docs:
            raise DuplicateKeyError("E11000")
        self.docs[doc["_id"]] = doc


@dataclass
class FakeDatabase:
    collections: dict[str, Collection] = field(default_factory=dict)

    def raw(self, name: str) -> Collection:
        return self.collections.setdefault(name, Collection())


@dataclass
class FakeKafka:
    up: bool = True
    refused: set[str] = field(default_factory=set)  # event ids the broker refuses
    published: list[str] = field(default_factory=list)

    async def publish(self, entry: dict[str, Any]) -> None:
        if not self.up:
            raise KafkaTimeoutError("no broker answered")
        if entry["event_id"] in self.refused:
            raise MessageSizeTooLargeError("the message is 2097152 bytes")
        self.published.append(entry["event_id"])

    async def reachable(self) -> bool:
        return self.up


def entry(event_id: str, topic: str = "tests.ping") -> dict[str, Any]:
    return {"event_id": event_id, "topic": topic, "key": "k", "headers": {}, "payload": "{}"}


def relay_for(kafka: FakeKafka, docs: dict[str, list[str]]) -> tuple[OutboxRelay, FakeDatabase]:
    database = FakeDatabase()
    aggregates = database.raw("aggregates")
    for doc_id, ids in docs.items():
        aggregates.docs[doc_id] = {"_id": doc_id, OUTBOX_FIELD: [entry(i) for i in ids]}
    relay = OutboxRelay(
        database,
        ["aggregates"],
        kafka.publish,
        30,
        max_attempts=ATTEMPTS,
        kafka_reachable=kafka.reachable,
    )
    return relay, database


def parked_count(topic: str) -> float:
    return REGISTRY.get_sample_value("outbox_parked_total", {"topic": topic}) or 0.0


async def test_an_entry_that_keeps_failing_is_parked_and_the_others_are_published() -> None:
    kafka = FakeKafka(refused={"big"})
    relay, database = relay_for(kafka, {"a": ["a1"], "b": ["b1", "big", "b3"], "c": ["c1"]})
    before = parked_count("tests.ping")
    assert await relay.sweep() == 3  # a1, b1, c1; b3 waits behind the failing entry (order)
    assert kafka.published == ["a1", "b1", "c1"]
    for _ in range(ATTEMPTS - 2):
        await relay.sweep()
    assert database.raw(PARKED).docs == {}  # not yet: one attempt left
    assert await relay.sweep() == 1  # the last attempt parks it; b3 goes out
    assert kafka.published == ["a1", "b1", "c1", "b3"]
    parked = database.raw(PARKED).docs["big"]
    assert parked["entry"] == entry("big") and parked["attempts"] == ATTEMPTS
    assert parked["collection"] == "aggregates" and parked["document_id"] == "b"
    assert parked["error"].startswith("MessageSizeTooLargeError")
    assert all(not d[OUTBOX_FIELD] for d in database.raw("aggregates").docs.values())
    assert parked_count("tests.ping") == before + 1


async def test_while_kafka_is_down_nothing_counts_against_an_entry() -> None:
    kafka = FakeKafka(up=False)
    relay, database = relay_for(kafka, {"a": ["a1", "a2"]})
    for _ in range(ATTEMPTS * 3):
        with pytest.raises(KafkaTimeoutError):
            await relay.sweep()
    assert database.raw(PARKED).docs == {} and kafka.published == []
    kafka.up = True
    assert await relay.sweep() == 2
    assert kafka.published == ["a1", "a2"] and database.raw("aggregates").docs["a"] == {
        "_id": "a",
        OUTBOX_FIELD: [],
    }


async def test_a_written_document_with_a_failing_entry_does_not_spin_the_relay() -> None:
    kafka = FakeKafka(refused={"big"})
    relay, database = relay_for(kafka, {"a": ["big", "a2"]})
    relay.notify("aggregates", "a")
    assert await relay.drain_written() == 0  # tried once, left for the next sweep
    assert [e["event_id"] for e in database.raw("aggregates").docs["a"][OUTBOX_FIELD]] == [
        "big",
        "a2",
    ]


async def test_a_parked_entry_parked_again_after_a_crash_is_kept_once() -> None:
    kafka = FakeKafka(refused={"big"})
    relay, database = relay_for(kafka, {"a": ["big"]})
    database.raw(PARKED).docs["big"] = {"_id": "big", "error": "earlier"}
    for _ in range(ATTEMPTS):
        await relay.sweep()
    assert database.raw(PARKED).docs["big"]["error"] == "earlier"
    assert database.raw("aggregates").docs["a"][OUTBOX_FIELD] == []
