"""What happened to invoices and bill runs, as the domain says it: plain records the aggregates
(``IssuedInvoice``, ``BillRun``) append to their ``events``. ``billing/invoice_events.py`` maps
each one to its wire event (common.contracts) when a store writes it to an outbox; nothing here
knows topics or payload shapes.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from billing.domain.submission import Message, State

IdType = Literal["cedula", "ruc", "passport"]


@dataclass(frozen=True)
class InvoiceHolder:
    """The account holder as printed on the invoice."""

    name: str
    email: str | None
    id_type: IdType
    id_number: str


@dataclass(frozen=True)
class InvoiceTotals:
    """The factura's header totals, as decimal strings."""

    subtotal: str  # totalSinImpuestos
    discount: str
    taxes: str
    total: str  # importeTotal


@dataclass(frozen=True)
class StatementSummary:
    """The non-fiscal account statement at issue time (Estado de cuenta), as decimal strings."""

    previous_balance: str
    payments: str
    charges: str
    adjustments: str
    balance_due: str
    due_date: date


@dataclass(frozen=True)
class InvoiceAuthorization:
    number: str  # numeroAutorizacion (the access key for offline issuers)
    authorized_at: datetime
    environment: str | None  # PRUEBAS | PRODUCCIÓN


@dataclass(frozen=True)
class InvoiceIssued:
    """SRI authorized an invoice: rendering makes the RIDE, notifier emails it."""

    invoice_id: str
    account_id: str
    period: str
    number: str
    access_key: str
    issue_date: date
    authorization: InvoiceAuthorization
    holder: InvoiceHolder
    lines: tuple[str, ...]  # the E.164 numbers billed on this invoice
    totals: InvoiceTotals
    statement: StatementSummary
    # The fiscal record: SRI's <autorizacion> with the signed comprobante inside.
    authorized_xml: str


@dataclass(frozen=True)
class InvoiceRejected:
    """SRI refused an invoice (DEVUELTA or NO AUTORIZADO); an operator must act."""

    invoice_id: str
    account_id: str
    period: str
    number: str
    access_key: str
    state: State  # returned | not_authorized
    sri_status: str  # DEVUELTA | NO AUTORIZADO (the state's name when SRI gave none)
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class BillRunCompleted:
    """Every invoice of a bill run reached a final SRI state."""

    bill_run_id: str
    cycle_day: int
    period: str
    invoices: int
    authorized: int
    rejected: int


InvoiceEvent = InvoiceIssued | InvoiceRejected
