"""lines' persistence (MongoDB API): the lines with their outbox, and the daily SMS counters.

FerretDB has no partial unique indexes, so the two "at most one" rules are unique fields that a
line gives up when it stops counting:
- ``slot`` = ``<user_id>|<number>`` while the line is live (one pending or verified line per
  user and number), ``removed|<line_id>`` once removed;
- ``holder`` = the number while the line is verified exclusively (one holder per number unless
  numbers may be shared), ``line|<line_id>`` otherwise.
Every query is by equality (FerretDB serves only those from an index).
"""

from dataclasses import asdict, fields
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

from common.database import Database, Index
from common.outbox import OUTBOX_FIELD, outbox_push
from lines.domain.codes import IssuedCode
from lines.domain.lines import Line, Status
from lines.domain.numbers import ServiceType
from lines.events import to_wire
from lines.ports import ConcurrentUpdate, DuplicateLine, NumberHeld

LINES, COUNTERS = "lines", "send_counters"
SUBSCRIBERS, INVOICES, DIRECTORY_STATE = "subscribers", "latest_invoices", "directory_state"

INDEXES = [
    Index(LINES, [("slot", 1)], unique=True),
    Index(LINES, [("holder", 1)], unique=True),
    Index(LINES, [("user_id", 1)]),
    Index(LINES, [("number", 1)]),
    Index(COUNTERS, [("day", 1)]),
    Index(SUBSCRIBERS, [("number", 1)]),
]
OUTBOX_COLLECTIONS = [LINES]

_DERIVED = ("slot", "holder", "version", OUTBOX_FIELD)


def slot(line: Line) -> str:
    return f"{line.user_id}|{line.number}" if line.is_live else f"removed|{line.line_id}"


def holder(line: Line) -> str:
    exclusive = line.status is Status.VERIFIED and line.exclusive
    return line.number if exclusive else f"line|{line.line_id}"


def _to_document(line: Line) -> dict[str, Any]:
    doc = {f.name: getattr(line, f.name) for f in fields(Line) if f.name not in ("events",)}
    doc["_id"] = doc.pop("line_id")
    doc["status"] = line.status.value
    doc["service_type"] = line.service_type.value
    doc["code"] = asdict(line.code) if line.code else None
    doc["slot"], doc["holder"] = slot(line), holder(line)
    return doc


def _from_document(doc: dict[str, Any]) -> Line:
    data = {k: v for k, v in doc.items() if k not in ("_id", *_DERIVED)}
    data["status"] = Status(data["status"])
    data["service_type"] = ServiceType(data["service_type"])
    data["code"] = IssuedCode(**data["code"]) if data.get("code") else None
    known = {f.name for f in fields(Line)}
    return Line(
        line_id=doc["_id"],
        version=doc.get("version", 0),
        **{k: v for k, v in data.items() if k in known},
    )


def is_duplicate(error: OperationFailure) -> bool:
    """A unique index refused the write. MongoDB says so with DuplicateKeyError (11000) on
    every write; FerretDB 1.24 does on inserts, but an update that collides comes back as an
    InternalError carrying PostgreSQL's unique-violation text."""
    return isinstance(error, DuplicateKeyError) or "duplicate key value" in str(error)


def _refusal(error: OperationFailure) -> Exception:
    details = error.details or {}
    keys = set(details.get("keyPattern") or details.get("keyValue") or {})
    if "holder" in keys or "holder" in str(error):
        return NumberHeld()
    return DuplicateLine()


class LineStore:
    """Lines and their outbox: the outbox relay is woken by the write itself."""

    def __init__(self, database: Database) -> None:
        self._lines = database[LINES]

    async def add(self, line: Line) -> None:
        doc = _to_document(line)
        doc["version"] = 1
        doc[OUTBOX_FIELD] = [to_wire(e).to_document() for e in line.events]
        try:
            await self._lines.insert_one(doc)
        except OperationFailure as error:
            if not is_duplicate(error):
                raise
            raise _refusal(error) from None
        line.version, line.events = 1, []

    async def save(self, line: Line) -> None:
        """Write the line and its new events in one update, if nobody saved it meanwhile."""
        doc = _to_document(line)
        doc.pop("_id")
        doc["version"] = line.version + 1
        update: dict[str, Any] = {"$set": doc}
        if line.events:
            update |= outbox_push(*map(to_wire, line.events))
        try:
            result = await self._lines.update_one(
                {"_id": line.line_id, "version": line.version}, update
            )
        except OperationFailure as error:
            if not is_duplicate(error):
                raise
            raise _refusal(error) from None
        if result.matched_count == 0:
            raise ConcurrentUpdate(line.line_id)
        line.version, line.events = line.version + 1, []

    async def by_id(self, line_id: str) -> Line | None:
        return await self._one({"_id": line_id})

    async def live(self, user_id: str, number: str) -> Line | None:
        return await self._one({"slot": f"{user_id}|{number}"})

    async def of_user(self, user_id: str) -> list[Line]:
        found = await self._many({"user_id": user_id})
        return sorted((x for x in found if x.is_live), key=lambda x: (x.created_at, x.line_id))

    async def holders(self, number: str) -> list[Line]:
        return await self._many({"number": number, "status": Status.VERIFIED.value})

    async def _one(self, query: dict[str, Any]) -> Line | None:
        doc = await self._lines.find_one(query, {OUTBOX_FIELD: 0})
        return _from_document(doc) if doc else None

    async def _many(self, query: dict[str, Any]) -> list[Line]:
        return [_from_document(d) async for d in self._lines.find(query, {OUTBOX_FIELD: 0})]


class SendCounterStore:
    """One document per cap and UTC day (``_id`` = ``scope:key:day``), changed with ``$inc``:
    the increment is the reservation, so two requests never both take the last SMS."""

    def __init__(self, database: Database) -> None:
        self._counters = database[COUNTERS]

    async def increment(self, key: str, day: str) -> int:
        doc = await self._counters.find_one_and_update(
            {"_id": key},
            {"$inc": {"count": 1}, "$setOnInsert": {"day": day}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["count"])

    async def release(self, key: str) -> None:
        await self._counters.update_one({"_id": key}, {"$inc": {"count": -1}})

    async def delete_before(self, day: str) -> None:
        await self._counters.delete_many({"day": {"$lt": day}})
