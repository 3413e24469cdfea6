"""rendering's records (MongoDB API): one document per clave de acceso, with its outbox."""

from dataclasses import fields
from typing import Any

from pymongo.errors import DuplicateKeyError

from common.database import Database, Index
from common.outbox import OUTBOX_FIELD, outbox_push
from rendering.domain.rides import Ride
from rendering.events import to_wire

RIDES = "rides"

# _id is the clave de acceso: the unique key that makes a replay find the first record.
INDEXES = [Index(RIDES, [("invoice_id", 1)])]
OUTBOX_COLLECTIONS = [RIDES]
_NOT_STORED = {"events", "access_key"}  # the events go to the outbox, the clave is the _id


class RideStore:
    def __init__(self, database: Database) -> None:
        self._rides = database[RIDES]

    async def by_key(self, access_key: str) -> Ride | None:
        doc = await self._rides.find_one({"_id": access_key}, {OUTBOX_FIELD: 0})
        if doc is None:
            return None
        known = {f.name for f in fields(Ride)} - _NOT_STORED
        return Ride(access_key=doc["_id"], **{k: v for k, v in doc.items() if k in known})

    async def add(self, ride: Ride) -> bool:
        doc = _state(ride) | {"_id": ride.access_key}
        doc[OUTBOX_FIELD] = [to_wire(event).to_document() for event in ride.events]
        try:
            await self._rides.insert_one(doc)
        except DuplicateKeyError:
            return False
        ride.events = []
        return True

    async def replace_retryable(self, ride: Ride) -> bool:
        # Matched by equality on status and retryable: a rendered or refused record is never
        # replaced. The outbox is pushed to, not overwritten: an unpublished RideFailed stays.
        result = await self._rides.update_one(
            {"_id": ride.access_key, "status": "failed", "retryable": True},
            {"$set": _state(ride), **outbox_push(*(to_wire(e) for e in ride.events))},
        )
        if not result.matched_count:
            return False
        ride.events = []
        return True


def _state(ride: Ride) -> dict[str, Any]:
    return {f.name: getattr(ride, f.name) for f in fields(Ride) if f.name not in _NOT_STORED}
