"""Invoices, their fiscal XML, emission-point sequences and bill runs (MongoDB API).

An invoice's ``_id`` is its number ("001-001-000000123"), so inserting it *is* claiming the
secuencial: a number is used exactly when an invoice document holds it, whatever instant the
process dies at, and the unique ``_id`` makes two writers collide instead of sharing a number.
A second unique index on (account_id, period) makes a second invoice for a period impossible.
The XML lives in ``fiscal_documents``: invoice documents stay small for the queries that scan them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from billing.domain.invoice import document_id
from billing.domain.statement import Movement
from billing.domain.submission import OPEN, REJECTED, State
from common.contracts.base import Event
from common.database import Database, Index
from common.outbox import OUTBOX_FIELD

INVOICES, FISCAL, SEQUENCES, BILL_RUNS = (
    "invoices",
    "fiscal_documents",
    "sequences",
    "bill_runs",
)
INVOICE_INDEXES = [
    Index(INVOICES, [("account_id", 1), ("period", 1)], unique=True),
    Index(INVOICES, [("access_key", 1)], unique=True),
    Index(INVOICES, [("state", 1), ("next_attempt_at", 1)]),
    Index(INVOICES, [("bill_run_id", 1), ("state", 1)]),
    # A bill run reads its cycle's invoice history once (statements) by equality on cycle_day.
    Index(INVOICES, [("cycle_day", 1), ("period", 1)]),
    Index(BILL_RUNS, [("cycle_day", 1), ("period", 1)], unique=True),
    Index(BILL_RUNS, [("status", 1)]),
]
INVOICE_OUTBOX_COLLECTIONS = [INVOICES, BILL_RUNS]


@dataclass(frozen=True)
class InsertResult:
    """How far an ordered batch got, and why it stopped (None: all inserted)."""

    inserted: int
    conflict: str | None = None  # "number" | "account_period"


class InvoiceStore:
    def __init__(self, database: Database) -> None:
        self._invoices = database[INVOICES]
        self._fiscal = database[FISCAL]
        self._sequences = database[SEQUENCES]

    # -- numbering ---------------------------------------------------------------------------

    async def next_sequential(self, ruc: str, establishment: str, point: str) -> int:
        """The first free secuencial: the hint, then forward while numbers are taken.

        The hint is written after each batch; a crash can leave it behind, never ahead, and the
        probe (``_id`` lookups) walks over what was used since.
        """
        key = f"{ruc}-{establishment}-{point}"
        hint = await self._sequences.find_one({"_id": key})
        candidate = int(hint["last"]) + 1 if hint else 1
        while await self._invoices.find_one(
            {"_id": document_id(ruc, establishment, point, candidate)}, {"_id": 1}
        ):
            candidate += 1
        return candidate

    async def advance_hint(self, ruc: str, establishment: str, point: str, last: int) -> None:
        await self._sequences.update_one(
            {"_id": f"{ruc}-{establishment}-{point}"}, {"$max": {"last": last}}, upsert=True
        )

    # -- writing -----------------------------------------------------------------------------

    async def insert_batch(self, invoices: Sequence[dict[str, Any]]) -> InsertResult:
        """Insert in order, stopping at the first conflict (numbers stay contiguous)."""
        if not invoices:
            return InsertResult(0)
        try:
            await self._invoices.insert_many(list(invoices), ordered=True)
        except BulkWriteError as error:
            details = error.details
            errors = details.get("writeErrors", [])
            inserted = int(details.get("nInserted", 0))
            if not errors or errors[0].get("code") != 11000:
                raise
            first = errors[0]
            index_hint = str(first.get("keyPattern") or first.get("errmsg", ""))
            conflict = "account_period" if "account_id" in index_hint else "number"
            return InsertResult(inserted, conflict)
        return InsertResult(len(invoices))

    async def save_signed(self, documents: Iterable[tuple[str, bytes]]) -> None:
        """The signed XML of invoices just inserted.

        Plain inserts (cheap); a document left by an interrupted try is replaced.
        """
        docs = [{"_id": invoice_id, "signed_xml": xml.decode()} for invoice_id, xml in documents]
        if not docs:
            return
        try:
            await self._fiscal.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(e.get("code") != 11000 for e in errors):
                raise
            for e in errors:
                doc = docs[e["index"]]
                await self._fiscal.update_one(
                    {"_id": doc["_id"]}, {"$set": {"signed_xml": doc["signed_xml"]}}
                )

    async def signed_xml(self, invoice_id: str) -> bytes | None:
        doc = await self._fiscal.find_one({"_id": invoice_id}, {"signed_xml": 1})
        return doc["signed_xml"].encode() if doc and doc.get("signed_xml") else None

    async def authorized_xml(self, invoice_id: str) -> bytes | None:
        doc = await self._fiscal.find_one({"_id": invoice_id}, {"authorized_xml": 1})
        return doc["authorized_xml"].encode() if doc and doc.get("authorized_xml") else None

    async def save_authorized(self, invoice_id: str, xml: bytes) -> None:
        await self._fiscal.update_one(
            {"_id": invoice_id}, {"$set": {"authorized_xml": xml.decode()}}, upsert=True
        )

    async def transition(
        self,
        invoice_id: str,
        version: int,
        changes: dict[str, Any],
        *,
        history: dict[str, Any] | None = None,
        events: Sequence[Event] = (),
    ) -> dict[str, Any] | None:
        """Compare-and-set on ``version``: the new document, or None if someone moved it first."""
        update: dict[str, Any] = {"$set": changes, "$inc": {"version": 1}}
        pushes: dict[str, Any] = {}
        if history:
            pushes["history"] = history
        if events:
            pushes[OUTBOX_FIELD] = {"$each": [e.to_document() for e in events]}
        if pushes:
            update["$push"] = pushes
        result: dict[str, Any] | None = await self._invoices.find_one_and_update(
            {"_id": invoice_id, "version": version},
            update,
            return_document=ReturnDocument.AFTER,  # no projection: FerretDB refuses one here
        )
        return result

    # -- reading -----------------------------------------------------------------------------

    async def invoiced_in(self, cycle_day: int, period: str) -> set[str]:
        """Accounts of a cycle day that already have their invoice for ``period``."""
        cursor = self._invoices.find({"cycle_day": cycle_day, "period": period}, {"account_id": 1})
        return {doc["account_id"] async for doc in cursor}

    async def history(self, cycle_day: int) -> dict[str, list[Movement]]:
        """Invoice movements of every account of a cycle day (one query per bill run)."""
        result: dict[str, list[Movement]] = {}
        cursor = self._invoices.find({"cycle_day": cycle_day}, _MOVEMENT_FIELDS)
        async for doc in cursor:
            movement = _movement(doc)
            if movement is not None:
                result.setdefault(doc["account_id"], []).append(movement)
        return result

    async def has_open(self, bill_run_id: str) -> bool:
        """Whether any invoice of the run still waits for SRI (equality lookups only)."""
        for state in OPEN:
            if await self._invoices.find_one(
                {"bill_run_id": bill_run_id, "state": state.value}, {"_id": 1}
            ):
                return True
        return False

    async def get(self, invoice_id: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._invoices.find_one(
            {"_id": invoice_id}, {OUTBOX_FIELD: 0}
        )
        return doc

    async def for_account(self, account_id: str) -> list[dict[str, Any]]:
        cursor = self._invoices.find({"account_id": account_id}, {OUTBOX_FIELD: 0, "items": 0})
        docs = [doc async for doc in cursor]
        return sorted(docs, key=lambda d: (d["period"], d["_id"]), reverse=True)

    async def due(
        self, now: datetime, limit: int, states: Iterable[State] = OPEN
    ) -> list[dict[str, Any]]:
        """Open invoices whose next SRI step is due.

        One equality query per state (FerretDB pushes those down, not ``$in`` or ``$lte``).
        """
        due: list[dict[str, Any]] = []
        for state in states:
            cursor = self._invoices.find(
                {"state": state.value}, {OUTBOX_FIELD: 0, "items": 0, "history": 0}
            )
            async for doc in cursor:
                if doc.get("next_attempt_at") is not None and doc["next_attempt_at"] <= now:
                    due.append(doc)
                    if len(due) >= limit:
                        return due
        return due

    async def count_by_state(self, bill_run_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        cursor = await self._invoices.aggregate(
            [
                {"$match": {"bill_run_id": bill_run_id}},
                {"$group": {"_id": "$state", "n": {"$sum": 1}}},
            ]
        )
        async for row in cursor:
            counts[row["_id"]] = int(row["n"])
        return counts

    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]:
        """Each account's invoices as statement movements (rejected ones never count)."""
        result: dict[str, list[Movement]] = {a: [] for a in account_ids}
        cursor = self._invoices.find({"account_id": {"$in": list(account_ids)}}, _MOVEMENT_FIELDS)
        async for doc in cursor:
            movement = _movement(doc)
            if movement is not None:
                result[doc["account_id"]].append(movement)
        return result


_MOVEMENT_FIELDS = {
    "account_id": 1,
    "period": 1,
    "issue_date": 1,
    "totals": 1,
    "state": 1,
    "number": 1,
}


def _movement(doc: dict[str, Any]) -> Movement | None:
    if State(doc["state"]) in REJECTED:
        return None
    return Movement(
        on=date.fromisoformat(doc["issue_date"]),
        kind="invoice",
        description=f"Factura {doc['number']}",
        amount=Decimal(doc["totals"]["total"]),
        reference=doc["_id"],
        period=doc["period"],
    )


class BillRunStore:
    def __init__(self, database: Database) -> None:
        self._runs = database[BILL_RUNS]

    async def open(self, run: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Insert ``run``, or return the run of that (cycle_day, period) — reopened to pick up
        accounts added since — and False."""
        try:
            await self._runs.insert_one(run)
            return run, True
        except DuplicateKeyError:
            pass
        existing = await self._runs.find_one_and_update(
            {"cycle_day": run["cycle_day"], "period": run["period"]},
            {
                "$set": {
                    "status": "running",
                    "phase": "invoicing",
                    "cursor": None,
                    "reopened": True,
                    "updated_at": run["updated_at"],
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        return existing, False

    async def get(self, bill_run_id: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._runs.find_one(
            {"_id": bill_run_id}, {OUTBOX_FIELD: 0}
        )
        return doc

    async def running(self) -> list[dict[str, Any]]:
        cursor = self._runs.find({"status": "running"}, {OUTBOX_FIELD: 0}).sort("created_at", 1)
        return [doc async for doc in cursor]

    async def update(
        self,
        bill_run_id: str,
        changes: dict[str, Any],
        *,
        inc: dict[str, int] | None = None,
        events: Sequence[Event] = (),
    ) -> None:
        update: dict[str, Any] = {"$set": changes}
        if inc:
            update["$inc"] = inc
        if events:
            update["$push"] = {OUTBOX_FIELD: {"$each": [e.to_document() for e in events]}}
        await self._runs.update_one({"_id": bill_run_id}, update)
