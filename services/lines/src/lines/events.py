"""Wire events (``common.contracts``) ⇄ the domain: the one place that knows both.

- :func:`to_wire`: the store calls it when it writes a line's outbox; the payloads are the
  contracts' exactly (notifier and billing depend on them).
- :func:`subscription_of` and :func:`invoice_summaries`: billing's events as the directory keeps
  them, for the consumers and for the start-up backfill alike.
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal, cast

from common.contracts import Event
from common.contracts.billing import InvoiceIssuedData, SubscriberData
from common.contracts.lines import (
    LineData,
    LineRegistered,
    LineRemoved,
    LineRemovedData,
    LineVerificationData,
    LineVerificationRequested,
)
from lines.domain import events as domain
from lines.domain.directory import InvoiceSummary, Subscription

WireServiceType = Literal["movil", "fijo", "internet", "tv"]


def to_wire(event: domain.DomainEvent) -> Event:
    match event:
        case domain.CodeRequested():
            return LineVerificationRequested(
                data=LineVerificationData(
                    line_id=event.line_id,
                    user_id=event.user_id,
                    number=event.number,
                    service_type=_service_type(event.service_type),
                    destination=event.destination,
                    code=event.code,
                    expires_at=event.expires_at,
                    send_number=event.send_number,
                )
            )
        case domain.LineRegistered():
            return LineRegistered(data=LineData(**_line(event)))
        case domain.LineRemoved():
            return LineRemoved(data=LineRemovedData(**_line(event), reason=event.reason))
    raise TypeError(f"no wire event for {type(event).__name__}")


def _line(event: domain.LineRegistered | domain.LineRemoved) -> dict[str, object]:
    return {
        "line_id": event.line_id,
        "user_id": event.user_id,
        "number": event.number,
        "service_type": _service_type(event.service_type),
        "account_id": event.account_id,
        "occurred_at": event.occurred_at,
    }


def _service_type(value: str) -> WireServiceType:
    return cast(WireServiceType, value)


def subscription_of(data: SubscriberData, as_of: datetime) -> Subscription:
    return Subscription(
        subscription_id=data.subscription_id,
        account_id=data.account_id,
        number=data.number,
        service_type=data.service_type,
        plan_code=data.plan_code,
        plan_name=data.plan_name,
        start_date=data.start_date,
        end_date=data.end_date,
        contact_mobile=data.contact_mobile,
        # BSON keeps milliseconds: a replay must compare equal to what was stored.
        as_of=as_of.replace(microsecond=as_of.microsecond // 1000 * 1000),
    )


def invoice_summaries(data: InvoiceIssuedData) -> list[tuple[str, InvoiceSummary]]:
    """One summary per number billed on the invoice."""
    summary = InvoiceSummary(
        invoice_id=data.invoice_id,
        account_id=data.account_id,
        period=data.period,
        invoice_number=data.number,
        total=Decimal(data.totals.total),
        balance_due=Decimal(data.statement.balance_due),
        issue_date=data.issue_date,
    )
    return [(number, summary) for number in dict.fromkeys(data.lines)]
