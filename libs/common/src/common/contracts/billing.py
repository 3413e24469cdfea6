"""Events published by billing: the subscriber directory, payments, invoices and bill runs.

Money travels as decimal strings ("12.50"), never as JSON numbers (floats at the other end).
"""

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel

from common.contracts.base import Event


class SubscriberData(BaseModel):
    """Who holds a number: enough for other services to know a line is the operator's."""

    subscription_id: str
    account_id: str
    number: str  # E.164, e.g. +593991234567
    service_type: str
    plan_code: str
    holder_id_type: Literal["cedula", "ruc", "passport"]
    holder_id_number: str
    start_date: date
    end_date: date | None = None


class SubscriptionActivated(Event):
    """A number became (or will become, from start_date) an active subscriber of the operator."""

    source: ClassVar[str] = "billing"
    topic: ClassVar[str] = "billing.subscription-activated"
    event_type: Literal["billing.subscription_activated"] = "billing.subscription_activated"
    data: SubscriberData

    def key(self) -> str:
        # Keyed by number: one number's activations and endings stay in order.
        return self.data.number


class SubscriptionEnded(Event):
    """A subscription ends on ``end_date`` (inclusive)."""

    source: ClassVar[str] = "billing"
    topic: ClassVar[str] = "billing.subscription-ended"
    event_type: Literal["billing.subscription_ended"] = "billing.subscription_ended"
    data: SubscriberData

    def key(self) -> str:
        return self.data.number


class PaymentData(BaseModel):
    payment_id: str
    account_id: str
    amount: str
    paid_at: datetime
    channel: str


class PaymentRecorded(Event):
    source: ClassVar[str] = "billing"
    topic: ClassVar[str] = "billing.payment-recorded"
    event_type: Literal["billing.payment_recorded"] = "billing.payment_recorded"
    data: PaymentData

    def key(self) -> str:
        return self.data.account_id


class Holder(BaseModel):
    name: str
    email: str | None
    id_type: Literal["cedula", "ruc", "passport"]
    id_number: str


class Totals(BaseModel):
    subtotal: str  # totalSinImpuestos
    discount: str
    taxes: str
    total: str  # importeTotal


class StatementSummary(BaseModel):
    """The non-fiscal account statement at issue time (Estado de cuenta)."""

    previous_balance: str
    payments: str
    charges: str
    adjustments: str
    balance_due: str
    due_date: date


class SriMessageData(BaseModel):
    identifier: str
    message: str
    additional_info: str | None = None
    kind: str


class InvoiceIssuedData(BaseModel):
    invoice_id: str
    account_id: str
    period: str  # YYYY-MM
    number: str  # 001-001-000000123
    access_key: str
    issue_date: date
    authorization_number: str
    authorized_at: datetime
    environment: str
    holder: Holder
    lines: list[str]  # the E.164 numbers billed on this invoice
    totals: Totals
    statement: StatementSummary
    # The fiscal record: SRI's <autorizacion> with the signed comprobante inside.
    authorized_xml: str


class InvoiceIssued(Event):
    """An invoice was authorized by SRI: rendering makes the RIDE, notifier emails it."""

    source: ClassVar[str] = "billing"
    topic: ClassVar[str] = "billing.invoice-issued"
    event_type: Literal["billing.invoice_issued"] = "billing.invoice_issued"
    data: InvoiceIssuedData

    def key(self) -> str:
        return self.data.invoice_id


class InvoiceRejectedData(BaseModel):
    invoice_id: str
    account_id: str
    period: str
    number: str
    access_key: str
    sri_status: str  # DEVUELTA | NO AUTORIZADO
    messages: list[SriMessageData]


class InvoiceRejected(Event):
    """SRI refused an invoice; an operator must act (the alert rules watch this)."""

    source: ClassVar[str] = "billing"
    topic: ClassVar[str] = "billing.invoice-rejected"
    event_type: Literal["billing.invoice_rejected"] = "billing.invoice_rejected"
    data: InvoiceRejectedData

    def key(self) -> str:
        return self.data.invoice_id


class BillRunData(BaseModel):
    bill_run_id: str
    cycle_day: int
    period: str
    invoices: int
    authorized: int
    rejected: int


class BillRunCompleted(Event):
    source: ClassVar[str] = "billing"
    topic: ClassVar[str] = "billing.bill-run-completed"
    event_type: Literal["billing.bill_run_completed"] = "billing.bill_run_completed"
    data: BillRunData

    def key(self) -> str:
        return self.data.bill_run_id
