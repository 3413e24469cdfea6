"""Events published by billing: the subscriber directory, payments, invoices and bill runs.

Money travels as decimal strings ("12.50"), never as JSON numbers (floats at the other end).
"""

import hashlib
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from common.contracts.base import Event


class BillingEvent(Event, source="billing"):
    """Published by billing."""


class SubscriberData(BaseModel):
    """Who holds a number: enough for other services to know a line is the operator's."""

    subscription_id: str
    account_id: str
    number: str  # E.164, e.g. +593991234567
    service_type: str
    plan_code: str
    plan_name: str | None = None  # the plan's commercial name, as the customer knows it
    holder_id_type: Literal["cedula", "ruc", "passport"]
    holder_id_number: str
    start_date: date
    end_date: date | None = None
    # The account holder's mobile (E.164), where lines sends the SMS code of a fixed, internet
    # or TV service, which has no SMS of its own; None when the contract has no mobile.
    contact_mobile: str | None = None


# Keyed by number: one number's activations and endings stay in order.
class SubscriptionActivated(BillingEvent, key="number"):
    """A number became (or will become, from start_date) an active subscriber of the operator."""

    data: SubscriberData


class SubscriptionEnded(BillingEvent, key="number"):
    """A subscription ends on ``end_date`` (inclusive)."""

    data: SubscriberData


class PaymentData(BaseModel):
    payment_id: str
    account_id: str
    amount: str
    paid_at: datetime
    channel: str


class PaymentRecorded(BillingEvent, key="account_id"):
    data: PaymentData


class WithholdingData(BaseModel):
    """A customer's comprobante de retención (codDoc 07) credited on its account."""

    withholding_id: str  # the retention's clave de acceso (49 digits)
    account_id: str
    amount: str  # total withheld
    issue_date: date  # the retention's fechaEmision
    agent_ruc: str  # the customer that withheld
    retention_number: str  # 001-001-000000045
    invoice_ids: list[str]  # our facturas it withholds on


class WithholdingReceived(BillingEvent, key="account_id"):
    data: WithholdingData


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
    # The fiscal record (SRI's <autorizacion> with the signed comprobante inside, ~10 KB, over
    # 100 KB for a large account) stays at billing: a consumer fetches it by access_key
    # (billing's internal GET /v1/documents/{access_key}.xml, a signed link) and checks it
    # against these: the SHA-256 (hex) and the length of its exact bytes.
    authorized_xml_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    authorized_xml_size: int = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_schema_v1(cls, data: Any) -> Any:
        """Events of schema_version 1 carried the XML itself (``authorized_xml``): still in the
        topic, in a DLQ, or in an outbox written before the change. Read them as version 2: the
        digest and size of that XML, which billing serves byte for byte."""
        if isinstance(data, dict) and "authorized_xml_sha256" not in data:
            xml = data.get("authorized_xml")
            if isinstance(xml, str):
                record = xml.encode()
                data = {k: v for k, v in data.items() if k != "authorized_xml"}
                data |= {
                    "authorized_xml_sha256": hashlib.sha256(record).hexdigest(),
                    "authorized_xml_size": len(record),
                }
        return data


class InvoiceIssued(BillingEvent, key="invoice_id"):
    """An invoice was authorized by SRI: rendering makes the RIDE, notifier emails it.

    Version 2 names the authorized XML (authorized_xml_sha256, authorized_xml_size), which the
    platform's services fetch from billing by access_key; version 1 carried it (authorized_xml)
    and is still read."""

    schema_version: int = 2
    data: InvoiceIssuedData


class NoteIssuedData(BaseModel):
    """A nota de crédito (04) or de débito (05) SRI authorized, and the factura it modifies."""

    note_id: str
    doc_type: Literal["04", "05"]
    account_id: str
    number: str  # 001-001-000000007, the note's own secuencial
    access_key: str
    issue_date: date
    authorization_number: str
    authorized_at: datetime
    environment: str
    holder: Holder
    lines: list[str]  # the E.164 numbers of the factura it modifies
    modified_invoice_id: str
    modified_number: str  # the factura's 001-001-000000123 (numDocModificado)
    modified_issue_date: date  # fechaEmisionDocSustento
    reason: str  # credit: motivo; debit: the motivos' razones
    totals: Totals  # total: valorModificacion (credit) or valorTotal (debit)
    # As InvoiceIssued's: the authorized XML stays at billing (GET /v1/documents/{access_key}.xml).
    authorized_xml_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    authorized_xml_size: int = Field(ge=0)


class CreditNoteIssuedData(NoteIssuedData):
    doc_type: Literal["04"] = "04"


class DebitNoteIssuedData(NoteIssuedData):
    doc_type: Literal["05"] = "05"


class CreditNoteIssued(BillingEvent, key="note_id"):
    """A nota de crédito was authorized by SRI: rendering makes its RIDE, notifier emails it."""

    data: CreditNoteIssuedData


class DebitNoteIssued(BillingEvent, key="note_id"):
    """A nota de débito was authorized by SRI: rendering makes its RIDE, notifier emails it."""

    data: DebitNoteIssuedData


class InvoiceRejectedData(BaseModel):
    invoice_id: str
    account_id: str
    period: str
    number: str
    access_key: str
    sri_status: str  # DEVUELTA | NO AUTORIZADO
    messages: list[SriMessageData]


class InvoiceRejected(BillingEvent, key="invoice_id"):
    """SRI refused an invoice; an operator must act (the alert rules watch this)."""

    data: InvoiceRejectedData


class BillRunData(BaseModel):
    bill_run_id: str
    cycle_day: int
    period: str
    invoices: int
    authorized: int
    rejected: int


class BillRunCompleted(BillingEvent, key="bill_run_id"):
    data: BillRunData


class InvoiceCorrectedData(BaseModel):
    invoice_id: str
    account_id: str
    period: str
    number: str
    access_key: str  # the same clave de acceso as the rejected version
    previous_status: str  # returned | not_authorized
    messages: list[SriMessageData]  # what SRI said about the rejected version
    corrected_at: datetime


class InvoiceCorrected(BillingEvent, key="invoice_id"):
    """An operator corrected a rejected invoice: rebuilt from the current account and issuer
    data with the same clave de acceso and secuencial, signed again and queued for SRI; its
    InvoiceIssued (or InvoiceRejected) follows."""

    data: InvoiceCorrectedData


# --- notas de crédito (04) and débito (05), issued above ----------------------------------------


class NoteRejectedData(BaseModel):
    note_id: str
    doc_type: Literal["04", "05"]
    account_id: str
    number: str
    access_key: str
    modified_invoice_id: str
    sri_status: str  # DEVUELTA | NO AUTORIZADO
    messages: list[SriMessageData]


class NoteRejected(BillingEvent, key="note_id"):
    """SRI refused a nota de crédito or débito; an operator must act."""

    data: NoteRejectedData
