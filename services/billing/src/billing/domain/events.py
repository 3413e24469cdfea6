"""What happened in billing, as the domain says it: plain records the aggregates append to their
``events``. ``billing/events.py`` maps each one to its wire event (common.contracts) when a store
writes it to an outbox; nothing here knows topics or payload shapes."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from billing.domain.submission import Message, State


@dataclass(frozen=True)
class SubscriberChanged:
    """A number's subscription as the rest of the platform needs to know it."""

    account_id: str
    subscription_id: str
    number: str  # E.164
    service_type: str
    plan_code: str
    holder_id_type: Literal["cedula", "ruc", "passport"]
    holder_id_number: str
    start_date: date
    end_date: date | None
    contact_mobile: str | None  # the holder's phone when it is a mobile (E.164)
    # The plan's commercial name, as the customer knows it (the use case reads the catalog).
    plan_name: str | None = None


@dataclass(frozen=True)
class SubscriptionActivated(SubscriberChanged):
    """A number became (or will become, from start_date) the operator's subscriber."""


@dataclass(frozen=True)
class SubscriptionEnded(SubscriberChanged):
    """A subscription ends on end_date (inclusive)."""


@dataclass(frozen=True)
class PaymentRecorded:
    payment_id: str
    account_id: str
    amount: Decimal
    paid_at: datetime
    channel: str


@dataclass(frozen=True)
class WithholdingReceived:
    """A customer's comprobante de retención credited on its account (docs/sri.md §9)."""

    withholding_id: str  # the retention's clave de acceso
    account_id: str
    amount: Decimal  # total withheld
    issue_date: date  # the retention's fechaEmision
    agent_ruc: str  # who withheld
    retention_number: str  # 001-001-000000045
    invoice_ids: tuple[str, ...]  # our facturas it withholds on


AccountEvent = SubscriptionActivated | SubscriptionEnded
DomainEvent = AccountEvent | PaymentRecorded | WithholdingReceived


# --- invoices and bill runs ----------------------------------------------------------------------

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
    # The fiscal record (SRI's <autorizacion> with the signed comprobante inside) stays in
    # fiscal_documents; the event names it: the SHA-256 (hex) and length of its exact bytes.
    authorized_xml_sha256: str
    authorized_xml_size: int


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


@dataclass(frozen=True)
class InvoiceCorrected:
    """An operator corrected a rejected invoice: the same document (clave de acceso,
    secuencial, fechaEmision, period, lines) rebuilt from the current account and issuer data,
    signed again and put back in line for SRI (docs/sri.md §9, sheet §5.10/§5.12)."""

    invoice_id: str
    account_id: str
    period: str
    number: str
    access_key: str
    previous_state: State  # returned | not_authorized
    messages: tuple[Message, ...]  # what SRI said about the rejected version
    corrected_at: datetime


InvoiceEvent = InvoiceIssued | InvoiceRejected | InvoiceCorrected
