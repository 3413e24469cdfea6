"""An issued nota de crédito or débito on its way through SRI.

Same SRI state machine and steps as a factura (``IssuedInvoice``, ``submission.py``), so the
same submitter moves it (use_cases/submission.py, loops/submitter.py); what differs is what it
carries and the events it raises: CreditNoteIssued / DebitNoteIssued when authorized,
NoteRejected when refused. ``period`` is the modified factura's, ``statement`` the one that
factura carried (a note has none of its own).
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from billing.domain.events import InvoiceAuthorization
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.note_events import (
    CreditNoteIssued,
    DebitNoteIssued,
    NoteIssued,
    NoteRejected,
)
from billing.domain.notes import CREDIT_NOTE, NOTE_KINDS, Note
from billing.domain.submission import Message, State


@dataclass
class IssuedNote(IssuedInvoice):
    doc_type: str = CREDIT_NOTE
    modified_invoice_id: str = ""
    modified_number: str = ""
    modified_issue_date: date | None = None
    reason: str = ""
    # The note itself, when it was read (its detail; re-signing). ``factura`` stays None.
    note: Note | None = None

    @property
    def note_id(self) -> str:
        return self.invoice_id

    @property
    def kind(self) -> str:
        return NOTE_KINDS[self.doc_type]

    def _issued(  # type: ignore[override]  # a note's own event, not InvoiceIssued
        self, authorization: InvoiceAuthorization, record: bytes
    ) -> NoteIssued:
        event = CreditNoteIssued if self.doc_type == CREDIT_NOTE else DebitNoteIssued
        assert self.modified_issue_date is not None
        return event(
            note_id=self.invoice_id,
            doc_type=self.doc_type,
            account_id=self.account_id,
            number=self.number,
            access_key=self.access_key,
            issue_date=self.issue_date,
            authorization=authorization,
            holder=self.holder,
            lines=self.lines,
            modified_invoice_id=self.modified_invoice_id,
            modified_number=self.modified_number,
            modified_issue_date=self.modified_issue_date,
            reason=self.reason,
            totals=self.totals,
            authorized_xml_sha256=hashlib.sha256(record).hexdigest(),
            authorized_xml_size=len(record),
        )

    def _rejected(  # type: ignore[override]  # a note's own event, not InvoiceRejected
        self, state: State, sri_status: str, messages: tuple[Message, ...]
    ) -> NoteRejected:
        return NoteRejected(
            note_id=self.invoice_id,
            doc_type=self.doc_type,
            account_id=self.account_id,
            number=self.number,
            access_key=self.access_key,
            modified_invoice_id=self.modified_invoice_id,
            state=state,
            sri_status=sri_status,
            messages=messages,
        )
