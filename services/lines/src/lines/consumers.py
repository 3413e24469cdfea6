"""billing's events → lines' projections (consumer group "lines").

The runtime's ReliableConsumer does idempotency, retries and the DLQ around each handler; the
projections are idempotent themselves (merge, rank), so a replay changes nothing.
"""

from typing import Annotated

from faststream import Depends

from common.contracts.billing import InvoiceIssued, SubscriptionActivated, SubscriptionEnded
from common.messaging import Consumers, service_from_context
from lines.bootstrap import Lines
from lines.events import invoice_summaries, subscription_of
from lines.use_cases import directory

# cast=False: the service is handed over as built, not validated as a pydantic model.
LinesDep = Annotated[Lines, Depends(service_from_context, cast=False)]

consumers = Consumers(group="lines")


@consumers(SubscriptionActivated)
async def subscription_activated(event: SubscriptionActivated, svc: LinesDep) -> None:
    """A number is (or will be, from its start date) the operator's subscriber."""
    await directory.record_subscription(svc, subscription_of(event.data, event.occurred_at))


@consumers(SubscriptionEnded)
async def subscription_ended(event: SubscriptionEnded, svc: LinesDep) -> None:
    """A subscription ends on its end date (only ever brought forward)."""
    await directory.record_subscription(svc, subscription_of(event.data, event.occurred_at))


@consumers(InvoiceIssued)
async def invoice_issued(event: InvoiceIssued, svc: LinesDep) -> None:
    """Each number billed keeps its newest invoice for "Consultar"."""
    await directory.record_invoice(svc, invoice_summaries(event.data))
