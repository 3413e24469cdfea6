"""What happens to a nota de crédito or débito, as the domain says it (``events.py`` has the
invoices'; ``billing/events.py`` maps these to the wire too)."""

from dataclasses import dataclass
from datetime import date

from billing.domain.events import InvoiceAuthorization, InvoiceHolder, InvoiceTotals
from billing.domain.submission import Message, State


@dataclass(frozen=True)
class NoteIssued:
    """SRI authorized a note: rendering makes its RIDE, notifier emails it (like an invoice)."""

    note_id: str
    doc_type: str  # 04 | 05
    account_id: str
    number: str
    access_key: str
    issue_date: date
    authorization: InvoiceAuthorization
    holder: InvoiceHolder
    lines: tuple[str, ...]  # the E.164 numbers of the modified factura
    modified_invoice_id: str
    modified_number: str
    modified_issue_date: date
    reason: str
    totals: InvoiceTotals
    authorized_xml_sha256: str
    authorized_xml_size: int


@dataclass(frozen=True)
class CreditNoteIssued(NoteIssued):
    """A nota de crédito (04) was authorized."""


@dataclass(frozen=True)
class DebitNoteIssued(NoteIssued):
    """A nota de débito (05) was authorized."""


@dataclass(frozen=True)
class NoteRejected:
    """SRI refused a note (DEVUELTA or NO AUTORIZADO); an operator must act."""

    note_id: str
    doc_type: str
    account_id: str
    number: str
    access_key: str
    modified_invoice_id: str
    state: State
    sri_status: str
    messages: tuple[Message, ...]


NoteEvent = CreditNoteIssued | DebitNoteIssued | NoteRejected
