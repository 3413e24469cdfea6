"""What each credit or debit note's email needs (MongoDB API), by note id, written by upserts in
either order, as invoice_store does for invoices: ``note_mails`` holds the note event's half (and
``emailed_at``), ``note_rides`` RideRendered's (two collections: see invoice_store)."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from common.database import Database
from notifier.adapters.invoice_store import MailHalves, _aware, emailed_at
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


class NoteMailStore(MailHalves):
    def __init__(self, database: Database) -> None:
        super().__init__(database, NOTE_MAILS, NOTE_RIDES)

    async def remember_issued(
        self, note: IssuedNote, now: datetime, not_emailed_reason: str | None
    ) -> None:
        await self._remember_issued(note.note_id, _stored(note), now, not_emailed_reason)

    async def get(self, note_id: str) -> NoteMail | None:
        halves = await self._halves(note_id)
        if halves is None:
            return None
        doc, ride = halves
        issued = doc.get("issued")
        return NoteMail(
            note_id=note_id,
            issued=_note(issued) if issued else None,
            ride=ride,
            emailed_at=emailed_at(doc),
            not_emailed_reason=doc.get("not_emailed_reason"),
        )
