"""Bill runs (MongoDB API): one document per (cycle_day, period), the unique index says so.

A run is written by two hands, the API (opening and reopening it) and the runner (its pages,
its phases), so a save writes only the fields its step changed and its counters by increment,
never the whole document.
"""

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from billing.domain.bill_run import AccountFailure, BillRun, Phase, RunStatus
from billing.events import to_wire
from common.database import Database, Index
from common.outbox import OUTBOX_FIELD

BILL_RUNS = "bill_runs"
BILL_RUN_INDEXES = [
    Index(BILL_RUNS, [("cycle_day", 1), ("period", 1)], unique=True),
    Index(BILL_RUNS, [("status", 1)]),
]


class BillRunStore:
    def __init__(self, database: Database) -> None:
        self._runs = database[BILL_RUNS]

    async def add(self, run: BillRun) -> bool:
        try:
            await self._runs.insert_one(_document(run))
        except DuplicateKeyError:
            return False
        return True

    async def reopen(self, run: BillRun) -> BillRun:
        """The run of ``run``'s (cycle_day, period), with ``run``'s changes written to it."""
        doc = await self._runs.find_one_and_update(
            {"cycle_day": run.cycle_day, "period": run.period},
            {"$set": _changes(run)},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise LookupError(f"no bill run for {run.cycle_day} {run.period}")
        return bill_run(doc)

    async def get(self, bill_run_id: str) -> BillRun | None:
        doc = await self._runs.find_one({"_id": bill_run_id}, {OUTBOX_FIELD: 0})
        return bill_run(doc) if doc else None

    async def running(self) -> list[BillRun]:
        cursor = self._runs.find({"status": "running"}, {OUTBOX_FIELD: 0}).sort("created_at", 1)
        return [bill_run(doc) async for doc in cursor]

    async def save(self, run: BillRun) -> None:
        update: dict[str, Any] = {}
        if run.changed:
            update["$set"] = _changes(run)
        if run.added:
            update["$inc"] = dict(run.added)
        pushes: dict[str, Any] = {}
        if run.events:
            pushes[OUTBOX_FIELD] = {"$each": [to_wire(e).to_document() for e in run.events]}
        if run.new_failures and "failures" not in run.changed:
            pushes["failures"] = {"$each": [asdict(f) for f in run.new_failures]}
        if pushes:
            update["$push"] = pushes
        if update:
            await self._runs.update_one({"_id": run.bill_run_id}, update)
        run.changed.clear()
        run.added.clear()
        run.events.clear()
        run.new_failures.clear()


def _document(run: BillRun) -> dict[str, Any]:
    """A new run as stored (what later steps add — error, timestamps — is absent until then)."""
    return {
        "_id": run.bill_run_id,
        "cycle_day": run.cycle_day,
        "period": run.period,
        "issue_date": run.issue_date.isoformat(),
        "status": run.status.value,
        "phase": run.phase.value,
        "cursor": run.cursor,
        "accounts_processed": run.accounts_processed,
        "invoices_created": run.invoices_created,
        "accounts_failed": run.accounts_failed,
        "failures": [asdict(f) for f in run.failures],
        "created_at": run.created_at,
        "updated_at": run.updated_at,
    }


def _changes(run: BillRun) -> dict[str, Any]:
    return {name: _stored(getattr(run, name)) for name in sorted(run.changed)}


def _stored(value: object) -> object:
    if isinstance(value, list):
        return [asdict(item) if isinstance(item, AccountFailure) else item for item in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()  # issue_date, as _document writes it
    return value.value if isinstance(value, RunStatus | Phase) else value


def bill_run(doc: Mapping[str, Any]) -> BillRun:
    return BillRun(
        bill_run_id=doc["_id"],
        cycle_day=int(doc["cycle_day"]),
        period=doc["period"],
        issue_date=date.fromisoformat(doc["issue_date"]),
        created_at=doc["created_at"],
        updated_at=doc.get("updated_at", doc["created_at"]),
        status=RunStatus(doc["status"]),
        phase=Phase(doc.get("phase") or Phase.INVOICING),
        cursor=doc.get("cursor"),
        accounts_processed=int(doc.get("accounts_processed", 0)),
        invoices_created=int(doc.get("invoices_created", 0)),
        accounts_failed=int(doc.get("accounts_failed", 0)),
        failures=[AccountFailure(**f) for f in doc.get("failures") or ()],
        reopened=bool(doc.get("reopened", False)),
        error=doc.get("error"),
        invoiced_at=doc.get("invoiced_at"),
        completed_at=doc.get("completed_at"),
    )
