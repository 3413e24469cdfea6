"""What each credit or debit note's email needs (MongoDB API), by note id, written by upserts in
either order, as invoice_store does for invoices: ``note_mails`` holds the note event's half (and
``emailed_at``), ``note_rides`` RideRendered's (two collections: see invoice_store)."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from common.database import Database
from notifier.adapters.invoice_store import _aware
from notifier.domain.invoices import RenderedRide
from notifier.domain.notes import IssuedNote, NoteMail

NOTE_MAILS, NOTE_RIDES = "note_mails", "note_rides"
_DATES = ("issue_date", "modified_issue_date")


def _stored(note: IssuedNote) -> dict[str, Any]:
    # BSON has no date without a time: ISO text, read back by _note.
    doc = asdict(note)
    return doc | {name: doc[name].isoformat() for name in _DATES}


def _note(doc: dict[str, Any]) -> IssuedNote:
    dates = {name: date.fromisoformat(doc[name]) for name in _DATES}
    return IssuedNote(**doc | dates | {"authorized_at": _aware(doc["authorized_at"])})


class NoteMailStore:
    def __init__(self, database: Database) -> None:
        self._mails = database[NOTE_MAILS]
        self._rides = database[NOTE_RIDES]

    async def remember_issued(
        self, note: IssuedNote, now: datetime, not_emailed_reason: str | None
    ) -> None:
        await self._mails.update_one(
            {"_id": note.note_id},
            {
                "$set": {
                    "issued": _stored(note),
                    "not_emailed_reason": not_emailed_reason,
                    "updated_at": now,
                },
                "$setOnInsert": {"created_at": now, "emailed_at": None},
            },
            upsert=True,
        )

    async def remember_ride(self, ride: RenderedRide, now: datetime) -> None:
        await self._rides.update_one(
            {"_id": ride.invoice_id},
            {
                "$set": {"ride": asdict(ride), "updated_at": now},
                "$setOnInsert": {"created_at": now},
            },
            upsert=True,
        )

    async def get(self, note_id: str) -> NoteMail | None:
        doc: dict[str, Any] = await self._mails.find_one({"_id": note_id}) or {}
        ride_doc: dict[str, Any] = await self._rides.find_one({"_id": note_id}) or {}
        if not doc and not ride_doc:
            return None
        issued, ride = doc.get("issued"), ride_doc.get("ride")
        emailed_at = doc.get("emailed_at")
        return NoteMail(
            note_id=note_id,
            issued=_note(issued) if issued else None,
            ride=RenderedRide(**ride) if ride else None,
            emailed_at=_aware(emailed_at) if emailed_at else None,
            not_emailed_reason=doc.get("not_emailed_reason"),
        )

    async def mark_emailed(self, note_id: str, now: datetime) -> None:
        await self._mails.update_one({"_id": note_id}, {"$set": {"emailed_at": now}})
