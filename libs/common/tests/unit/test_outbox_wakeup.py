"""Writes with events wake the outbox relay by themselves: whoever writes to an outbox collection
through the database, the relay hears which document to publish (or to sweep now)."""

from dataclasses import dataclass
from typing import Any

import pytest

from common.contracts import UserRegistered
from common.contracts.identity import UserProfile
from common.database import Database
from common.outbox import OUTBOX_FIELD, SWEEP, outbox_push


@dataclass
class Result:
    inserted_id: Any = None
    modified_count: int = 0
    upserted_id: Any = None


class FakeCollection:
    def __init__(self, matches: bool = True, name: str = "users") -> None:
        self.matches, self.name = matches, name

    async def insert_one(self, doc: dict[str, Any]) -> Result:
        return Result(inserted_id=doc["_id"])

    async def insert_many(self, docs: list[dict[str, Any]], ordered: bool = True) -> Result:
        return Result()

    async def update_one(self, filter: dict[str, Any], update: Any, upsert: bool = False) -> Result:
        return Result(modified_count=int(self.matches))

    async def update_many(self, filter: dict[str, Any], update: Any) -> Result:
        return Result(modified_count=2)

    async def find_one_and_update(
        self, filter: dict[str, Any], update: Any
    ) -> dict[str, Any] | None:
        return {"_id": "u7"} if self.matches else None

    async def find_one(self, filter: dict[str, Any]) -> dict[str, Any]:
        return {"_id": filter["_id"]}


def event() -> UserRegistered:
    return UserRegistered(
        data=UserProfile(
            user_id="u1",
            email="a@b.ec",
            given_names="A",
            surnames="B",
            id_type="cedula",
            id_number="1710034065",
        )
    )


@pytest.fixture
def heard() -> list[tuple[str, Any]]:
    return []


def database(heard: list[tuple[str, Any]], matches: bool = True) -> Database:
    db = Database("mongodb://127.0.0.1:1/", "unit")
    db.watch_outboxes(["users"], lambda collection, doc_id: heard.append((collection, doc_id)))
    db.db = {  # type: ignore[assignment]
        "users": FakeCollection(matches),
        "other": FakeCollection(matches, "other"),
    }
    return db


async def test_insert_with_events_wakes_the_relay(heard: list[tuple[str, Any]]) -> None:
    users = database(heard)["users"]
    await users.insert_one({"_id": "u1", OUTBOX_FIELD: [event().to_document()]})
    await users.insert_one({"_id": "u2", OUTBOX_FIELD: []})
    await users.insert_many([{"_id": "u3", OUTBOX_FIELD: [event().to_document()]}, {"_id": "u4"}])
    assert heard == [("users", "u1"), ("users", "u3")]


async def test_update_with_events_wakes_the_relay_only_when_it_wrote(
    heard: list[tuple[str, Any]],
) -> None:
    users = database(heard)["users"]
    await users.update_one({"_id": "u1", "version": 3}, {"$set": {"a": 1}, **outbox_push(event())})
    await users.update_one({"_id": "u2"}, {"$set": {"a": 1}})  # no events
    await users.find_one_and_update({"x": 1}, outbox_push(event()))
    lost = database(heard, matches=False)["users"]
    await lost.update_one({"_id": "u9", "version": 1}, outbox_push(event()))  # version moved on
    assert heard == [("users", "u1"), ("users", "u7")]


async def test_writes_that_cannot_name_their_documents_ask_for_a_sweep(
    heard: list[tuple[str, Any]],
) -> None:
    users = database(heard)["users"]
    await users.update_many({"status": "x"}, outbox_push(event()))
    await users.update_one({"email": "a@b.ec"}, outbox_push(event()))
    assert heard == [("users", SWEEP), ("users", SWEEP)]


async def test_other_collections_and_reads_are_untouched(heard: list[tuple[str, Any]]) -> None:
    db = database(heard)
    await db["other"].insert_one({"_id": "x", OUTBOX_FIELD: [event().to_document()]})
    assert await db["users"].find_one({"_id": "u1"}) == {"_id": "u1"}
    assert heard == []


async def test_a_handle_taken_before_the_app_declared_its_outboxes_wakes_the_relay(
    heard: list[tuple[str, Any]],
) -> None:
    """Stores get their collections in bootstrap; the spec names the outboxes later."""
    db = Database("mongodb://127.0.0.1:1/", "unit")
    db.db = {"ledger": FakeCollection(name="ledger")}  # type: ignore[assignment]
    ledger = db["ledger"]
    db.watch_outboxes(["ledger"], lambda collection, doc_id: heard.append((collection, doc_id)))
    await ledger.insert_one({"_id": "p1", OUTBOX_FIELD: [event().to_document()]})
    assert heard == [("ledger", "p1")]
