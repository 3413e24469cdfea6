"""The email of a nota de crédito or de débito: what it needs from billing's CreditNoteIssued /
DebitNoteIssued and rendering's RideRendered (its ``doc_type`` 04 or 05), kept by note (either
event may come first), whether it is sent at all (the invoice email's rules), and what it says:
the note, the factura it modifies and why, with its RIDE and authorized XML attached."""

from dataclasses import dataclass
from datetime import date, datetime

from notifier.domain.invoices import AUTHORIZED_BEFORE_CUTOFF, NO_EMAIL, RenderedRide

CREDIT_NOTE, DEBIT_NOTE = "04", "05"
# doc_type → the template (deliveries' ``template``) and the note's name in a sentence.
TEMPLATES = {CREDIT_NOTE: "credit_note", DEBIT_NOTE: "debit_note"}
NAMES = {CREDIT_NOTE: "Nota de crédito", DEBIT_NOTE: "Nota de débito"}


@dataclass(frozen=True)
class IssuedNote:
    """From CreditNoteIssued / DebitNoteIssued: the holder, the note's facts, the factura it
    modifies and its fiscal record (named by digest and size, fetched for a note to be emailed)."""

    note_id: str
    doc_type: str  # 04 | 05
    account_id: str
    email: str | None
    holder_name: str
    number: str  # 001-001-000000007
    issue_date: date
    modified_number: str  # the factura's 001-001-000000123
    modified_issue_date: date
    reason: str
    total: str  # "2.30": valorModificacion (credit) or valorTotal (debit)
    access_key: str
    authorized_at: datetime
    authorized_xml_sha256: str
    authorized_xml_size: int
    authorized_xml: str | None = None

    @property
    def name(self) -> str:
        return NAMES.get(self.doc_type, "Nota")

    @property
    def template(self) -> str:
        return TEMPLATES[self.doc_type]


def note_not_emailed_reason(note: IssuedNote, email_since: datetime) -> str | None:
    """The invoice email's rules: not before the cut-off (no flood on a first deployment), not
    without an address."""
    if note.authorized_at < email_since:
        return AUTHORIZED_BEFORE_CUTOFF
    if not note.email:
        return NO_EMAIL
    return None


@dataclass(frozen=True)
class NoteMail:
    """One note's email, as far as its two events have told it."""

    note_id: str
    issued: IssuedNote | None = None
    ride: RenderedRide | None = None  # ride.invoice_id is the note id (RideRendered's key)
    emailed_at: datetime | None = None
    not_emailed_reason: str | None = None

    @property
    def ready(self) -> bool:
        return (
            self.issued is not None
            and self.ride is not None
            and self.not_emailed_reason is None
            and bool(self.issued.email)
        )


def note_subject(note: IssuedNote) -> str:
    """ "Nota de crédito 001-001-000000007 — factura 001-001-000000123"."""
    return f"{note.name} {note.number} — factura {note.modified_number}"


def note_pdf_name(note: IssuedNote) -> str:
    return f"{note.number}.pdf"


def note_xml_name(note: IssuedNote) -> str:
    return f"{note.number}.xml"
