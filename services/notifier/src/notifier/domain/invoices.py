"""The invoice email: what it needs from billing's InvoiceIssued and rendering's RideRendered,
kept by invoice (either event may come first), whether it is sent at all, and what it says
(subject, attachments)."""

from dataclasses import dataclass
from datetime import datetime

MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


@dataclass(frozen=True)
class IssuedInvoice:
    """From InvoiceIssued: the holder, the invoice's facts and its fiscal record — named by the
    event (digest and size), fetched from billing for an invoice to be emailed (the XML)."""

    invoice_id: str
    account_id: str
    email: str | None
    holder_name: str
    number: str  # 001-001-000000123
    period: str  # YYYY-MM
    total: str  # "12.50"
    access_key: str
    authorized_at: datetime
    # Defaults: records written before events named the XML carry the XML only.
    authorized_xml_sha256: str = ""
    authorized_xml_size: int = 0
    authorized_xml: str | None = None


@dataclass(frozen=True)
class RenderedRide:
    """From RideRendered: the PDF is at rendering; its digest checks what is fetched."""

    invoice_id: str
    access_key: str
    size: int
    sha256: str


# Why an invoice is remembered and not emailed (``invoice_mails.not_emailed_reason``).
NO_EMAIL = "no_email"
AUTHORIZED_BEFORE_CUTOFF = "authorized_before_cutoff"


def not_emailed_reason(invoice: IssuedInvoice, email_since: datetime) -> str | None:
    """Why ``invoice`` is not to be emailed, or None: authorized before the invoice email began
    (``email_since``: a first deployment, or a new database, reads invoices of every month still
    on the topic, and must not flood their holders), or its holder has no address."""
    if invoice.authorized_at < email_since:
        return AUTHORIZED_BEFORE_CUTOFF
    if not invoice.email:
        return NO_EMAIL
    return None


@dataclass(frozen=True)
class InvoiceMail:
    """One invoice's email, as far as its two events have told it."""

    invoice_id: str
    issued: IssuedInvoice | None = None
    ride: RenderedRide | None = None
    emailed_at: datetime | None = None
    not_emailed_reason: str | None = None

    @property
    def ready(self) -> bool:
        """Both events are in, the invoice is to be emailed, and there is an address."""
        return (
            self.issued is not None
            and self.ride is not None
            and self.not_emailed_reason is None
            and bool(self.issued.email)
        )


def period_text(period: str) -> str:
    """``2026-11`` → ``noviembre 2026``."""
    year, _, month = period.partition("-")
    try:
        return f"{MONTHS[int(month) - 1]} {int(year)}"
    except (ValueError, IndexError):
        return period


def invoice_subject(invoice: IssuedInvoice) -> str:
    return f"Tu factura electrónica de {period_text(invoice.period)} — {invoice.number}"


def pdf_name(invoice: IssuedInvoice) -> str:
    return f"{invoice.number}.pdf"


def xml_name(invoice: IssuedInvoice) -> str:
    return f"{invoice.number}.xml"
