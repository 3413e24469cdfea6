"""Invoices, their fiscal XML and emission-point sequences (MongoDB API); bill runs are in
``bill_runs.py`` (exported here too).

An invoice's ``_id`` is its number ("001-001-000000123"), so inserting it *is* claiming the
secuencial: a number is used exactly when an invoice document holds it, whatever instant the
process dies at, and the unique ``_id`` makes two writers collide instead of sharing a number.
A second unique index on (account_id, period) makes a second invoice for a period impossible.
The XML lives in ``fiscal_documents``: invoice documents stay small for the queries that scan them.
An SRI step saves the ``IssuedInvoice`` aggregate: its state, history entries and events in one
compare-and-set on ``version``.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymongo.errors import BulkWriteError

from billing.adapters.store import sri_queue
from billing.adapters.store.bill_runs import BILL_RUN_INDEXES, BILL_RUNS, BillRunStore
from billing.adapters.store.invoice_documents import (
    invoice_from_document,
    issued_invoice,
)
from billing.domain.invoice import Invoice, document_id
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.statement import Movement
from billing.domain.submission import OPEN, REJECTED, State
from billing.ports import InsertResult, InvoiceRecord
from common.database import Database, Index
from common.outbox import OUTBOX_FIELD

__all__ = ["INVOICE_INDEXES", "INVOICE_OUTBOX_COLLECTIONS", "BillRunStore", "InvoiceStore"]

INVOICES, FISCAL, SEQUENCES = "invoices", "fiscal_documents", "sequences"
INVOICE_INDEXES = [
    Index(INVOICES, [("account_id", 1), ("period", 1)], unique=True),
    Index(INVOICES, [("access_key", 1)], unique=True),
    Index(INVOICES, [("state", 1), ("next_attempt_at", 1)]),
    Index(INVOICES, [("bill_run_id", 1), ("state", 1)]),
    # A bill run reads its cycle's invoice history once (statements) by equality on cycle_day.
    Index(INVOICES, [("cycle_day", 1), ("period", 1)]),
    # A line's invoices: equality on the array of billed numbers (a multikey index).
    Index(INVOICES, [("lines_numbers", 1)]),
    *BILL_RUN_INDEXES,
]
INVOICE_OUTBOX_COLLECTIONS = [INVOICES, BILL_RUNS]
# Never read by a query that scans invoices: the outbox, the factura's items, the audit trail.
_SUMMARY = {OUTBOX_FIELD: 0, "items": 0, "history": 0}


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

    async def insert_batch(self, records: Sequence[InvoiceRecord]) -> InsertResult:
        """Insert in order, stopping at the first conflict (numbers stay contiguous)."""
        if not records:
            return InsertResult(0)
        try:
            await self._invoices.insert_many(list(records), ordered=True)
        except BulkWriteError as error:
            details = error.details
            errors = details.get("writeErrors", [])
            inserted = int(details.get("nInserted", 0))
            if not errors or errors[0].get("code") != 11000:
                raise
            first = errors[0]
            index_hint = str(first.get("keyPattern") or first.get("errmsg", ""))
            conflict = "account_period" if "account_id" in index_hint else "number"
            return InsertResult(inserted, conflict, _issued(records[:inserted]))
        return InsertResult(len(records), None, _issued(records))

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

    async def authorized_xml_of_key(self, access_key: str) -> bytes | None:
        # Two lookups by equality on unique keys (the access_key index, then _id).
        doc = await self._invoices.find_one({"access_key": access_key}, {"_id": 1})
        return await self.authorized_xml(doc["_id"]) if doc else None

    async def save_authorized(self, invoice_id: str, xml: bytes) -> None:
        await self._fiscal.update_one(
            {"_id": invoice_id}, {"$set": {"authorized_xml": xml.decode()}}, upsert=True
        )

    async def save(self, invoice: IssuedInvoice) -> bool:
        """Compare-and-set on ``version``: the SRI state, its history entries and its events in
        one update; False (and nothing written) if someone moved the invoice first."""
        return await sri_queue.save_step(self._invoices, invoice)

    async def mark_ride_rendered(self, invoice_id: str, at: datetime) -> None:
        """Once: a replayed RideRendered keeps the first time. The invoice is final by then (it
        was authorized), so no SRI step writes it concurrently; ``version`` is left alone."""
        await self._invoices.update_one(
            {"_id": invoice_id, "ride_rendered_at": {"$exists": False}},
            {"$set": {"ride_rendered_at": at}},
        )

    # -- reading -----------------------------------------------------------------------------

    async def ride_rendered_at(self, invoice_id: str) -> datetime | None:
        doc = await self._invoices.find_one({"_id": invoice_id}, {"ride_rendered_at": 1})
        return doc.get("ride_rendered_at") if doc else None

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

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        """The invoice with its factura (one invoice's detail)."""
        doc = await self._invoices.find_one({"_id": invoice_id}, {OUTBOX_FIELD: 0, "history": 0})
        return issued_invoice(doc, with_factura=True) if doc else None

    async def factura(self, invoice_id: str) -> Invoice | None:
        """The factura exactly as first built (to sign it again if its XML was never stored)."""
        doc = await self._invoices.find_one({"_id": invoice_id}, {OUTBOX_FIELD: 0, "history": 0})
        return invoice_from_document(doc) if doc else None

    async def for_account(self, account_id: str) -> list[IssuedInvoice]:
        """An account's invoices, newest period first."""
        cursor = self._invoices.find({"account_id": account_id}, _SUMMARY)
        docs = [doc async for doc in cursor]
        docs.sort(key=lambda d: (d["period"], d["_id"]), reverse=True)
        return [issued_invoice(doc) for doc in docs]

    async def with_number(self, number: str) -> list[IssuedInvoice]:
        """Invoices that billed ``number`` (any account), newest period first."""
        cursor = self._invoices.find({"lines_numbers": number}, _SUMMARY)
        docs = [doc async for doc in cursor]
        docs.sort(key=lambda d: (d["period"], d["_id"]), reverse=True)
        return [issued_invoice(doc) for doc in docs]

    async def due(
        self, now: datetime, limit: int, states: Iterable[State] = OPEN
    ) -> list[IssuedInvoice]:
        """Open invoices whose next SRI step is due, earliest first (``sri_queue``)."""
        return await sri_queue.due(self._invoices, _SUMMARY, issued_invoice, now, limit, states)

    async def next_attempt_at(self, states: Iterable[State] = OPEN) -> datetime | None:
        return await sri_queue.next_attempt_at(self._invoices, states)

    async def count_by_state(self, bill_run_id: str) -> dict[State, int]:
        counts: dict[State, int] = {}
        cursor = await self._invoices.aggregate(
            [
                {"$match": {"bill_run_id": bill_run_id}},
                {"$group": {"_id": "$state", "n": {"$sum": 1}}},
            ]
        )
        async for row in cursor:
            counts[State(row["_id"])] = int(row["n"])
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


def _issued(records: Sequence[InvoiceRecord]) -> list[IssuedInvoice]:
    return [issued_invoice(record) for record in records]
