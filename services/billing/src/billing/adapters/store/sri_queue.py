"""The SRI submitter's view of a collection of comprobantes (facturas, notes): what is due and
when the next step is, asked one open state at a time, and the compare-and-set of one step.

One query per state on the (state, next_attempt_at) index: MongoDB reads only what is due;
FerretDB filters the state's documents itself (it pushes down only equality), and the submitter
asks only when something is due (``next_attempt_at``), not every second.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from billing.adapters.store.invoice_documents import history_document, state_changes
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.submission import State
from billing.events import to_wire
from common.outbox import OUTBOX_FIELD

T = TypeVar("T")


async def due(
    collection: Any,
    projection: Mapping[str, int],
    read: Callable[[Mapping[str, Any]], T],
    now: datetime,
    limit: int,
    states: Iterable[State],
) -> list[T]:
    """Open documents whose next SRI step is due, earliest first within each state."""
    found: list[T] = []
    for state in states:
        cursor = collection.find(
            {"state": state.value, "next_attempt_at": {"$lte": now}},
            projection,
            sort=[("next_attempt_at", 1)],
            limit=limit - len(found),
        )
        found += [read(doc) async for doc in cursor]
        if len(found) >= limit:
            break
    return found


async def next_attempt_at(collection: Any, states: Iterable[State]) -> datetime | None:
    """When the earliest next SRI step of an open document is due (None: nothing open)."""
    earliest: list[datetime] = []
    for state in states:
        doc = await collection.find_one(
            {"state": state.value, "next_attempt_at": {"$ne": None}},
            {"next_attempt_at": 1},
            sort=[("next_attempt_at", 1)],
        )
        if doc is not None:
            earliest.append(doc["next_attempt_at"])
    return min(earliest, default=None)


async def save_step(collection: Any, invoice: IssuedInvoice) -> bool:
    """Compare-and-set on ``version``: the SRI state, its history entries and its events in one
    update; False (and nothing written) if someone moved the comprobante first."""
    update: dict[str, Any] = {"$set": state_changes(invoice), "$inc": {"version": 1}}
    pushes: dict[str, Any] = {}
    if invoice.history:
        pushes["history"] = {"$each": [history_document(e) for e in invoice.history]}
    if invoice.events:
        pushes[OUTBOX_FIELD] = {"$each": [to_wire(e).to_document() for e in invoice.events]}
    if pushes:
        update["$push"] = pushes
    result = await collection.update_one(
        {"_id": invoice.invoice_id, "version": invoice.version}, update
    )
    if not result.matched_count:
        return False
    invoice.version += 1
    invoice.history.clear()
    invoice.events.clear()
    return True
