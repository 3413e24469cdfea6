"""Invoice and bill-run domain events → wire events (common.contracts): the one place that knows
both for the invoice side.

The invoice and bill-run stores call :func:`to_wire` when they write an aggregate's events to its
outbox. The wire payloads are the published contract: same fields, same values (money as decimal
strings, the authorization as SRI gave it).
"""

from dataclasses import asdict
from functools import singledispatch

from billing.domain import invoice_events as domain
from common.contracts import billing as wire
from common.contracts.base import Event


@singledispatch
def to_wire(event: object) -> Event:
    raise TypeError(f"no wire event for {type(event).__name__}")


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
        authorized_xml=event.authorized_xml,
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
