"""Domain events → wire events (common.contracts): the one place that knows both.

The stores call :func:`to_wire` when they write an aggregate's events to its outbox. The wire
payloads are the published contract: same fields, same values (money as decimal strings).
"""

from dataclasses import asdict
from functools import singledispatch
from typing import Any

from billing.domain import events as domain
from billing.domain import note_events
from common.contracts import billing as wire
from common.contracts.base import Event


@singledispatch
def to_wire(event: object) -> Event:
    raise TypeError(f"no wire event for {type(event).__name__}")


def _subscriber(event: domain.SubscriberChanged) -> wire.SubscriberData:
    return wire.SubscriberData(
        subscription_id=event.subscription_id,
        account_id=event.account_id,
        number=event.number,
        service_type=event.service_type,
        plan_code=event.plan_code,
        plan_name=event.plan_name,
        holder_id_type=event.holder_id_type,
        holder_id_number=event.holder_id_number,
        start_date=event.start_date,
        end_date=event.end_date,
        contact_mobile=event.contact_mobile,
    )


@to_wire.register
def _(event: domain.SubscriptionActivated) -> Event:
    return wire.SubscriptionActivated(data=_subscriber(event))


@to_wire.register
def _(event: domain.SubscriptionEnded) -> Event:
    return wire.SubscriptionEnded(data=_subscriber(event))


@to_wire.register
def _(event: domain.PaymentRecorded) -> Event:
    data = wire.PaymentData(
        payment_id=event.payment_id,
        account_id=event.account_id,
        amount=str(event.amount),
        paid_at=event.paid_at,
        channel=event.channel,
    )
    return wire.PaymentRecorded(data=data)


@to_wire.register
def _(event: domain.WithholdingReceived) -> Event:
    data = wire.WithholdingData(
        withholding_id=event.withholding_id,
        account_id=event.account_id,
        amount=str(event.amount),
        issue_date=event.issue_date,
        agent_ruc=event.agent_ruc,
        retention_number=event.retention_number,
        invoice_ids=list(event.invoice_ids),
    )
    return wire.WithholdingReceived(data=data)


# --- invoices and bill runs ----------------------------------------------------------------------


@to_wire.register
def _(event: domain.InvoiceIssued) -> Event:
    authorization = event.authorization
    data = wire.InvoiceIssuedData(
        invoice_id=event.invoice_id,
        account_id=event.account_id,
        period=event.period,
        number=event.number,
        access_key=event.access_key,
        issue_date=event.issue_date,
        authorization_number=authorization.number,
        authorized_at=authorization.authorized_at,
        environment=authorization.environment or "",
        holder=wire.Holder(**asdict(event.holder)),
        lines=list(event.lines),
        totals=wire.Totals(**asdict(event.totals)),
        statement=wire.StatementSummary(**asdict(event.statement)),
        authorized_xml_sha256=event.authorized_xml_sha256,
        authorized_xml_size=event.authorized_xml_size,
    )
    return wire.InvoiceIssued(data=data)


@to_wire.register
def _(event: domain.InvoiceRejected) -> Event:
    data = wire.InvoiceRejectedData(
        invoice_id=event.invoice_id,
        account_id=event.account_id,
        period=event.period,
        number=event.number,
        access_key=event.access_key,
        sri_status=event.sri_status,
        messages=[wire.SriMessageData(**asdict(m)) for m in event.messages],
    )
    return wire.InvoiceRejected(data=data)


@to_wire.register
def _(event: domain.InvoiceCorrected) -> Event:
    data = wire.InvoiceCorrectedData(
        invoice_id=event.invoice_id,
        account_id=event.account_id,
        period=event.period,
        number=event.number,
        access_key=event.access_key,
        previous_status=event.previous_state.value,
        messages=[wire.SriMessageData(**asdict(m)) for m in event.messages],
        corrected_at=event.corrected_at,
    )
    return wire.InvoiceCorrected(data=data)


@to_wire.register
def _(event: domain.BillRunCompleted) -> Event:
    data = wire.BillRunData(
        bill_run_id=event.bill_run_id,
        cycle_day=event.cycle_day,
        period=event.period,
        invoices=event.invoices,
        authorized=event.authorized,
        rejected=event.rejected,
    )
    return wire.BillRunCompleted(data=data)


# --- notas de crédito and débito ----------------------------------------------------------------


def _note_fields(event: note_events.NoteIssued) -> dict[str, Any]:
    """The fields of both notes' data; the data class fixes doc_type (04 or 05)."""
    authorization = event.authorization
    return dict(
        note_id=event.note_id,
        account_id=event.account_id,
        number=event.number,
        access_key=event.access_key,
        issue_date=event.issue_date,
        authorization_number=authorization.number,
        authorized_at=authorization.authorized_at,
        environment=authorization.environment or "",
        holder=wire.Holder(**asdict(event.holder)),
        lines=list(event.lines),
        modified_invoice_id=event.modified_invoice_id,
        modified_number=event.modified_number,
        modified_issue_date=event.modified_issue_date,
        reason=event.reason,
        totals=wire.Totals(**asdict(event.totals)),
        authorized_xml_sha256=event.authorized_xml_sha256,
        authorized_xml_size=event.authorized_xml_size,
    )


@to_wire.register
def _(event: note_events.CreditNoteIssued) -> Event:
    return wire.CreditNoteIssued(data=wire.CreditNoteIssuedData(**_note_fields(event)))


@to_wire.register
def _(event: note_events.DebitNoteIssued) -> Event:
    return wire.DebitNoteIssued(data=wire.DebitNoteIssuedData(**_note_fields(event)))


@to_wire.register
def _(event: note_events.NoteRejected) -> Event:
    data = wire.NoteRejectedData(
        note_id=event.note_id,
        doc_type=event.doc_type,
        account_id=event.account_id,
        number=event.number,
        access_key=event.access_key,
        modified_invoice_id=event.modified_invoice_id,
        sri_status=event.sri_status,
        messages=[wire.SriMessageData(**asdict(m)) for m in event.messages],
    )
    return wire.NoteRejected(data=data)
