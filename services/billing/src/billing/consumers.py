"""Other services' events → billing's use cases (consumer group "billing").

Each handler turns the event into domain values and calls one use case; the runtime's
ReliableConsumer does idempotency, retries and the DLQ around each handler.
"""

from typing import Annotated

from faststream import Depends

from billing.bootstrap import Billing
from billing.domain.ownership import LineHolding
from billing.use_cases import invoices, ownership
from common.contracts import RideRendered
from common.contracts.lines import LineData, LineRegistered, LineRemoved
from common.messaging import Consumers, service_from_context

# cast=False: the service is handed over as built, not validated as a pydantic model.
BillingDep = Annotated[Billing, Depends(service_from_context, cast=False)]

consumers = Consumers(group="billing")


@consumers(RideRendered)
async def remember_ride(event: RideRendered, svc: BillingDep) -> None:
    """The invoice's RIDE exists: its /ride link can be handed out (a replay changes nothing)."""
    await invoices.ride_rendered(svc, event.data.invoice_id, event.data.rendered_at)


@consumers(LineRegistered)
async def line_registered(event: LineRegistered, svc: BillingDep) -> None:
    """A user verified a line: they may see its account's invoices for that number."""
    await ownership.registered(svc, _holding(event.data))


@consumers(LineRemoved)
async def line_removed(event: LineRemoved, svc: BillingDep) -> None:
    """A user no longer holds a line (removed or transferred): that access ends."""
    await ownership.removed(svc, _holding(event.data, removed=True))


def _holding(data: LineData, removed: bool = False) -> LineHolding:
    return LineHolding(data.line_id, data.user_id, data.number, data.account_id, removed)
