"""The notes store in memory: the same documents as ``adapters/store/notes.py`` (built and read
by its functions), kept in a dict; numbering by unique ``_id`` like the real one."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.adapters.store.notes import issued_note, note_document, note_movement
from billing.domain.issued_note import IssuedNote
from billing.domain.notes import CREDIT_NOTE, Note, note_id
from billing.domain.statement import Movement
from billing.domain.submission import REJECTED, State


class FakeNoteStore:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.fiscal: dict[str, dict[str, bytes]] = {}
        self.hints: dict[str, int] = {}
        self.locks: set[str] = set()

    async def lock_invoice(self, invoice_id: str, now: datetime) -> bool:
        if invoice_id in self.locks:
            return False
        self.locks.add(invoice_id)
        return True

    async def unlock_invoice(self, invoice_id: str) -> None:
        self.locks.discard(invoice_id)

    async def next_sequential(self, doc_type: str, ruc: str, estab: str, point: str) -> int:
        candidate = self.hints.get(f"{ruc}-{estab}-{point}-{doc_type}", 0) + 1
        while note_id(ruc, doc_type, estab, point, candidate) in self.docs:
            candidate += 1
        return candidate

    async def advance_hint(
        self, doc_type: str, ruc: str, estab: str, point: str, last: int
    ) -> None:
        key = f"{ruc}-{estab}-{point}-{doc_type}"
        self.hints[key] = max(self.hints.get(key, 0), last)

    async def insert(self, note: Note, **context: Any) -> str | None:
        record = note_document(note, **context)
        if any(d["idempotency"] == record["idempotency"] for d in self.docs.values()):
            return "idempotency"
        if record["_id"] in self.docs:
            return "number"
        self.docs[record["_id"]] = dict(record)
        return None

    async def by_idempotency(self, doc_type: str, invoice_id: str, key: str) -> IssuedNote | None:
        wanted = f"{doc_type}:{invoice_id}:{key}"
        for doc in self.docs.values():
            if doc["idempotency"] == wanted:
                return issued_note(doc)
        return None

    async def save_signed(self, documents: Iterable[tuple[str, bytes]]) -> None:
        for document_id, xml in documents:
            self.fiscal.setdefault(document_id, {})["signed_xml"] = xml

    async def get(self, document_id: str) -> IssuedNote | None:
        doc = self.docs.get(document_id)
        return issued_note(doc, with_note=True) if doc else None

    async def of_invoice(self, invoice_id: str) -> list[IssuedNote]:
        return [
            issued_note(d) for d in self.docs.values() if d["modified_invoice_id"] == invoice_id
        ]

    async def credited_bases(self, invoice_id: str) -> list[dict[str, Decimal]]:
        return [
            {code: Decimal(base) for code, base in d["bases"].items()}
            for d in self.docs.values()
            if d["modified_invoice_id"] == invoice_id
            and d["doc_type"] == CREDIT_NOTE
            and State(d["state"]) not in REJECTED
        ]

    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]:
        found: dict[str, list[Movement]] = {a: [] for a in account_ids}
        for d in self.docs.values():
            if d["account_id"] in found and d["state"] == State.AUTHORIZED.value:
                found[d["account_id"]].append(note_movement(d))
        return found

    async def authorized_xml(self, document_id: str) -> bytes | None:
        return self.fiscal.get(document_id, {}).get("authorized_xml")

    async def authorized_xml_of_key(self, access_key: str) -> bytes | None:
        for d in self.docs.values():
            if d["access_key"] == access_key and d["state"] == State.AUTHORIZED.value:
                return await self.authorized_xml(d["_id"])
        return None

    def authorize(self, document_id: str, xml: bytes = b"<autorizacion/>") -> None:
        """What the submitter does when SRI authorizes (for reads and statements)."""
        self.docs[document_id]["state"] = State.AUTHORIZED.value
        self.fiscal.setdefault(document_id, {})["authorized_xml"] = xml
