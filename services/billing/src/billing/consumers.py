"""Other services' events → billing's use cases (consumer group "billing").

The runtime's ReliableConsumer does idempotency, retries and the DLQ around each handler.
"""

from typing import Annotated

from faststream import Depends

from billing.bootstrap import Billing
from billing.use_cases import invoices
from common.contracts import RideRendered
from common.messaging import Consumers, service_from_context

# cast=False: the service is handed over as built, not validated as a pydantic model.
BillingDep = Annotated[Billing, Depends(service_from_context, cast=False)]

consumers = Consumers(group="billing")


@consumers(RideRendered)
async def remember_ride(event: RideRendered, svc: BillingDep) -> None:
    """The invoice's RIDE exists: its /ride link can be handed out (a replay changes nothing)."""
    await invoices.ride_rendered(svc, event.data.invoice_id, event.data.rendered_at)
