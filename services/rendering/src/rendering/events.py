"""Domain events -> wire events (common.contracts.rendering): the one mapping.

The store calls :func:`to_wire` when it writes a ride's events to its outbox.
"""

from typing import cast, get_args

from common.contracts import rendering as wire
from common.contracts.base import Event
from rendering.domain.rides import DomainEvent, RideFailed


def _doc_type(value: str) -> wire.DocType:
    if value not in get_args(wire.DocType):
        raise ValueError(f"no RIDE is rendered for codDoc {value!r}")
    return cast(wire.DocType, value)


def to_wire(event: DomainEvent) -> Event:
    if isinstance(event, RideFailed):
        failed = wire.RideFailedData(
            invoice_id=event.invoice_id,
            account_id=event.account_id,
            access_key=event.access_key,
            number=event.number,
            period=event.period,
            error=event.error,
            retryable=event.retryable,
            failed_at=event.occurred_at,
            doc_type=_doc_type(event.doc_type),
        )
        return wire.RideFailed(data=failed, occurred_at=event.occurred_at)
    rendered = wire.RideRenderedData(
        invoice_id=event.invoice_id,
        account_id=event.account_id,
        access_key=event.access_key,
        number=event.number,
        period=event.period,
        size=event.size,
        sha256=event.sha256,
        rendered_at=event.occurred_at,
        doc_type=_doc_type(event.doc_type),
    )
    return wire.RideRendered(data=rendered, occurred_at=event.occurred_at)
