"""The SRI submitter's view of a collection of comprobantes (facturas, notes): what is due and
when the next step is, asked one open state at a time.

One query per state on the (state, next_attempt_at) index: MongoDB reads only what is due;
FerretDB filters the state's documents itself (it pushes down only equality), and the submitter
asks only when something is due (``next_attempt_at``), not every second.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from billing.domain.submission import State

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
