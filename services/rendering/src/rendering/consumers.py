"""billing's events → rendering's use cases (consumer group "rendering").

The runtime's ReliableConsumer does idempotency, retries and the DLQ around the handler; the
use case is idempotent by clave de acceso on top of that (a replay with a new event id). The
authorized XML comes from billing (common.documents): billing down is a TransientError (waited
out, never dead-lettered), a clave it does not have or other bytes than the event names a
PermanentError. When the runtime gives a message up, ``ride_failed`` records the failure.
"""

from typing import Annotated

from faststream import Depends

from common.contracts import InvoiceIssued
from common.contracts.billing import InvoiceIssuedData
from common.messaging import Consumers, PermanentError, service_from_context
from rendering.bootstrap import Rendering
from rendering.domain.rides import RideRequest
from rendering.use_cases import rides

# cast=False: the service is handed over as built, not validated as a pydantic model.
RenderingDep = Annotated[Rendering, Depends(service_from_context, cast=False)]

consumers = Consumers(group="rendering")


async def ride_failed(event: InvoiceIssued, error: Exception, svc: Rendering) -> None:
    """The runtime gives the message up: record the RIDE as failed and announce it."""
    await rides.give_up(svc, ride_request(event.data), f"{type(error).__name__}: {error}"[:2000])


@consumers(InvoiceIssued, on_give_up=ride_failed)
async def render_ride(event: InvoiceIssued, svc: RenderingDep) -> None:
    """Render, store and announce the RIDE of an authorized invoice."""
    try:
        await rides.render(svc, ride_request(event.data))
    except rides.RenderingRefused as refused:
        # Recorded as failed, RideFailed on its way: the source message goes to the DLQ.
        raise PermanentError(str(refused)) from refused


def ride_request(data: InvoiceIssuedData) -> RideRequest:
    return RideRequest(
        invoice_id=data.invoice_id,
        account_id=data.account_id,
        access_key=data.access_key,
        number=data.number,
        period=data.period,
        authorized_xml_sha256=data.authorized_xml_sha256,
        authorized_xml_size=data.authorized_xml_size,
    )
