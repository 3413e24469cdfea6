"""Notas de crédito and débito (collection ``notes``), their XML in ``fiscal_documents``.

As for invoices, a note's ``_id`` (``<ruc>-<codDoc>-<estab>-<pto>-<secuencial>``) is the claim
on its secuencial: inserting it uses the number, a collision means someone else took it, so each
codDoc has its own gapless sequence per emission point (the ``sequences`` hint keyed with the
codDoc). The SRI steps save the ``IssuedNote`` aggregate exactly like an invoice: state, history
and events (CreditNoteIssued, DebitNoteIssued, NoteRejected) in one compare-and-set on version.
The store offers the submitter the same methods as the invoice store (``due``, ``save``, ...).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pymongo.errors import DuplicateKeyError

from billing.adapters.store import sri_queue
from billing.adapters.store.invoice_documents import (
    comprobante_fields,
)
from billing.domain.events import (
    InvoiceHolder,
    StatementSummary,
)
from billing.domain.invoice import Buyer, Issuer
from billing.domain.issued_note import IssuedNote
from billing.domain.notes import (
    CREDIT_NOTE,
    NOTE_KINDS,
    NOTE_NAMES,
    ModifiedInvoice,
    Note,
    NoteLine,
    note_id,
)
from billing.domain.statement import Movement
from billing.domain.submission import OPEN, REJECTED, State
from common.database import Database, Index
from common.outbox import OUTBOX_FIELD

NOTES, FISCAL, SEQUENCES = "notes", "fiscal_documents", "sequences"
# One document per factura while a nota de crédito against it is checked and inserted: the
# credit limit holds across replicas. A lock older than this was left by a dead process.
NOTE_LOCKS, LOCK_SECONDS = "note_locks", 60
NOTE_INDEXES = [
    Index(NOTES, [("access_key", 1)], unique=True),
    Index(NOTES, [("idempotency", 1)], unique=True),
    Index(NOTES, [("state", 1), ("next_attempt_at", 1)]),
    Index(NOTES, [("modified_invoice_id", 1)]),
    Index(NOTES, [("account_id", 1)]),
]
NOTE_OUTBOX_COLLECTIONS = [NOTES]
_SUMMARY = {OUTBOX_FIELD: 0, "history": 0}


def note_document(
    note: Note,
    *,
    account_id: str,
    period: str,
    holder: InvoiceHolder,
    lines_numbers: Sequence[str],
    statement: StatementSummary,
    idempotency_key: str,
    now: datetime,
) -> dict[str, Any]:
    issuer = note.issuer
    return {
        "_id": note.document_id,
        "doc_type": note.doc_type,
        "number": note.number,
        "account_id": account_id,
        "period": period,
        "idempotency": f"{note.doc_type}:{note.modified.invoice_id}:{idempotency_key}",
        "sequential": note.sequential,
        "access_key": note.access_key,
        "numeric_code": note.numeric_code,
        "issue_date": note.issue_date.isoformat(),
        "issuer": asdict(issuer),
        "buyer": asdict(note.buyer),
        "holder": asdict(holder),
        "lines_numbers": list(lines_numbers),
        "modified_invoice_id": note.modified.invoice_id,
        "modified_number": note.modified.number,
        "modified_issue_date": note.modified.issue_date.isoformat(),
        "reason": note.reason,
        "items": [
            {"description": line.description, "amount": str(line.amount), "tax_code": line.tax_code}
            for line in note.lines
        ],
        "bases": {code: str(base) for code, base in note.bases.items()},
        "totals": {
            "subtotal": f"{note.subtotal:.2f}",
            "discount": "0.00",
            "taxes": f"{note.taxes:.2f}",
            "total": f"{note.total:.2f}",
        },
        "statement": {k: str(v) for k, v in asdict(statement).items()},
        "state": State.SIGNED.value,
        "attempts": 0,
        "polls": 0,  # received_at, sri_has_key: written by the first SRI step
        "next_attempt_at": now,
        "sri_messages": [],
        "authorization": None,
        "history": [{"state": State.SIGNED.value, "at": now}],
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def note_from_document(doc: Mapping[str, Any]) -> Note:
    """The note exactly as first built (to re-sign it if its XML was never stored)."""
    return Note(
        doc_type=doc["doc_type"],
        issuer=Issuer(**doc["issuer"]),
        buyer=Buyer(**doc["buyer"]),
        issue_date=date.fromisoformat(doc["issue_date"]),
        sequential=int(doc["sequential"]),
        numeric_code=doc["numeric_code"],
        modified=ModifiedInvoice(
            doc["modified_invoice_id"],
            doc["modified_number"],
            date.fromisoformat(doc["modified_issue_date"]),
        ),
        reason=doc["reason"],
        lines=tuple(
            NoteLine(i["description"], Decimal(i["amount"]), i["tax_code"]) for i in doc["items"]
        ),
    )


def issued_note(doc: Mapping[str, Any], *, with_note: bool = False) -> IssuedNote:
    return IssuedNote(
        **comprobante_fields(doc),
        doc_type=doc["doc_type"],
        modified_invoice_id=doc["modified_invoice_id"],
        modified_number=doc["modified_number"],
        modified_issue_date=date.fromisoformat(doc["modified_issue_date"]),
        reason=doc["reason"],
        note=note_from_document(doc) if with_note else None,
    )


class NoteStore:
    def __init__(self, database: Database) -> None:
        self._notes = database[NOTES]
        self._fiscal = database[FISCAL]
        self._sequences = database[SEQUENCES]
        self._locks = database[NOTE_LOCKS]

    # -- the credit limit across replicas -----------------------------------------------------

    async def lock_invoice(self, invoice_id: str, now: datetime) -> bool:
        """Take the factura's lock (False: another request holds it)."""
        try:
            await self._locks.insert_one({"_id": invoice_id, "at": now})
        except DuplicateKeyError:
            stale = now - timedelta(seconds=LOCK_SECONDS)
            taken = await self._locks.update_one(
                {"_id": invoice_id, "at": {"$lt": stale}}, {"$set": {"at": now}}
            )
            return bool(taken.modified_count == 1)
        return True

    async def unlock_invoice(self, invoice_id: str) -> None:
        await self._locks.delete_one({"_id": invoice_id})

    # -- numbering: one gapless sequence per codDoc and emission point ------------------------

    async def next_sequential(self, doc_type: str, ruc: str, establishment: str, point: str) -> int:
        key = f"{ruc}-{establishment}-{point}-{doc_type}"
        hint = await self._sequences.find_one({"_id": key})
        candidate = int(hint["last"]) + 1 if hint else 1
        while await self._notes.find_one(
            {"_id": note_id(ruc, doc_type, establishment, point, candidate)}, {"_id": 1}
        ):
            candidate += 1
        return candidate

    async def advance_hint(
        self, doc_type: str, ruc: str, establishment: str, point: str, last: int
    ) -> None:
        await self._sequences.update_one(
            {"_id": f"{ruc}-{establishment}-{point}-{doc_type}"},
            {"$max": {"last": last}},
            upsert=True,
        )

    # -- writing -------------------------------------------------------------------------------

    async def insert(self, note: Note, **context: Any) -> str | None:
        """Insert a new note (``context``: ``note_document``'s keywords): None when inserted,
        else what collided ("number" or "idempotency": that key was used already)."""
        document = note_document(note, **context)
        try:
            await self._notes.insert_one(document)
        except DuplicateKeyError:
            # Which unique index: asked, not parsed from the message (it differs by backend).
            taken = await self._notes.find_one({"idempotency": document["idempotency"]}, {"_id": 1})
            return "idempotency" if taken else "number"
        return None

    async def by_idempotency(self, doc_type: str, invoice_id: str, key: str) -> IssuedNote | None:
        doc = await self._notes.find_one(
            {"idempotency": f"{doc_type}:{invoice_id}:{key}"}, _SUMMARY
        )
        return issued_note(doc) if doc else None

    async def save_signed(self, documents: Iterable[tuple[str, bytes]]) -> None:
        for document_id, xml in documents:
            await self._fiscal.update_one(
                {"_id": document_id}, {"$set": {"signed_xml": xml.decode()}}, upsert=True
            )

    async def save_authorized(self, invoice_id: str, xml: bytes) -> None:
        await self._fiscal.update_one(
            {"_id": invoice_id}, {"$set": {"authorized_xml": xml.decode()}}, upsert=True
        )

    async def save(self, invoice: IssuedNote) -> bool:
        """Compare-and-set on ``version``, as ``InvoiceStore.save``."""
        return await sri_queue.save_step(self._notes, invoice)

    # -- reading -------------------------------------------------------------------------------

    async def signed_xml(self, invoice_id: str) -> bytes | None:
        doc = await self._fiscal.find_one({"_id": invoice_id}, {"signed_xml": 1})
        return doc["signed_xml"].encode() if doc and doc.get("signed_xml") else None

    async def authorized_xml(self, invoice_id: str) -> bytes | None:
        doc = await self._fiscal.find_one({"_id": invoice_id}, {"authorized_xml": 1})
        return doc["authorized_xml"].encode() if doc and doc.get("authorized_xml") else None

    async def authorized_xml_of_key(self, access_key: str) -> bytes | None:
        doc = await self._notes.find_one({"access_key": access_key}, {"_id": 1, "state": 1})
        if doc is None or doc["state"] != State.AUTHORIZED.value:
            return None
        return await self.authorized_xml(doc["_id"])

    async def factura(self, invoice_id: str) -> Note | None:
        """The note as first built (the submitter's re-signing path calls it ``factura``)."""
        doc = await self._notes.find_one({"_id": invoice_id}, {OUTBOX_FIELD: 0, "history": 0})
        return note_from_document(doc) if doc else None

    async def get(self, note_id_: str) -> IssuedNote | None:
        doc = await self._notes.find_one({"_id": note_id_}, _SUMMARY)
        return issued_note(doc, with_note=True) if doc else None

    async def of_invoice(self, invoice_id: str) -> list[IssuedNote]:
        """The notes that modify a factura, oldest first."""
        cursor = self._notes.find({"modified_invoice_id": invoice_id}, _SUMMARY)
        docs = sorted([doc async for doc in cursor], key=lambda d: (d["created_at"], d["_id"]))
        return [issued_note(doc) for doc in docs]

    async def credited_bases(self, invoice_id: str) -> list[dict[str, Decimal]]:
        """The IVA bases of the credit notes against a factura that are not rejected."""
        cursor = self._notes.find(
            {"modified_invoice_id": invoice_id, "doc_type": CREDIT_NOTE},
            {"bases": 1, "state": 1},
        )
        return [
            {code: Decimal(base) for code, base in doc["bases"].items()}
            async for doc in cursor
            if State(doc["state"]) not in REJECTED
        ]

    async def due(self, now: datetime, limit: int, states: Iterable[State] = OPEN) -> list[Any]:
        return await sri_queue.due(self._notes, _SUMMARY, issued_note, now, limit, states)

    async def next_attempt_at(self, states: Iterable[State] = OPEN) -> datetime | None:
        return await sri_queue.next_attempt_at(self._notes, states)

    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]:
        """Each account's authorized notes as statement movements: a credit (−), a debit (+),
        dated by their issue date. Only authorized notes count (a pending one may still be
        refused)."""
        result: dict[str, list[Movement]] = {a: [] for a in account_ids}
        # Equality on the state (FerretDB pushes it down), the $in over what it returned:
        # authorized notes are few next to the accounts of a bill-run page.
        cursor = self._notes.find(
            {"state": State.AUTHORIZED.value, "account_id": {"$in": list(account_ids)}},
            {"account_id": 1, "doc_type": 1, "number": 1, "issue_date": 1, "totals": 1},
        )
        async for doc in cursor:
            result[doc["account_id"]].append(note_movement(doc))
        return result


def note_movement(doc: Mapping[str, Any]) -> Movement:
    doc_type = doc["doc_type"]
    total = Decimal(doc["totals"]["total"])
    return Movement(
        on=date.fromisoformat(doc["issue_date"]),
        kind=NOTE_KINDS[doc_type],  # type: ignore[arg-type]  # statement.MovementKind
        description=f"{NOTE_NAMES[doc_type]} {doc['number']}",
        amount=-total if doc_type == CREDIT_NOTE else total,
        reference=doc["_id"],
    )
