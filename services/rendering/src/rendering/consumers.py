"""billing's events → rendering's use cases (consumer group "rendering"): InvoiceIssued,
CreditNoteIssued and DebitNoteIssued, each a RIDE.

The runtime's ReliableConsumer does idempotency, retries and the DLQ around the handler; the
use case is idempotent by clave de acceso on top of that (a replay with a new event id). The
authorized XML comes from billing (common.documents): billing down is a TransientError (waited
out, never dead-lettered), a clave it does not have or other bytes than the event names a
PermanentError. When the runtime gives a message up, ``ride_failed`` records the failure.
"""

from typing import Annotated

from faststream import Depends

from common.contracts import CreditNoteIssued, DebitNoteIssued, InvoiceIssued
from common.contracts.billing import InvoiceIssuedData, NoteIssuedData
from common.messaging import Consumers, PermanentError, service_from_context
from rendering.bootstrap import Rendering
from rendering.domain.rides import RideRequest
from rendering.use_cases import rides

# cast=False: the service is handed over as built, not validated as a pydantic model.
RenderingDep = Annotated[Rendering, Depends(service_from_context, cast=False)]

consumers = Consumers(group="rendering")


Issued = InvoiceIssued | CreditNoteIssued | DebitNoteIssued


async def ride_failed(event: Issued, error: Exception, svc: Rendering) -> None:
    """The runtime gives the message up: record the RIDE as failed and announce it."""
    await rides.give_up(svc, request_of(event), f"{type(error).__name__}: {error}"[:2000])


@consumers(InvoiceIssued, on_give_up=ride_failed)
async def render_ride(event: InvoiceIssued, svc: RenderingDep) -> None:
    """Render, store and announce the RIDE of an authorized invoice."""
    await _render(svc, ride_request(event.data))


@consumers(CreditNoteIssued, on_give_up=ride_failed)
async def render_credit_note_ride(event: CreditNoteIssued, svc: RenderingDep) -> None:
    """Render, store and announce the RIDE of an authorized nota de crédito."""
    await _render(svc, note_ride_request(event.data))


@consumers(DebitNoteIssued, on_give_up=ride_failed)
async def render_debit_note_ride(event: DebitNoteIssued, svc: RenderingDep) -> None:
    """Render, store and announce the RIDE of an authorized nota de débito."""
    await _render(svc, note_ride_request(event.data))


async def _render(svc: Rendering, request: RideRequest) -> None:
    try:
        await rides.render(svc, request)
    except rides.RenderingRefused as refused:
        # Recorded as failed, RideFailed on its way: the source message goes to the DLQ.
        raise PermanentError(str(refused)) from refused


def request_of(event: Issued) -> RideRequest:
    if isinstance(event, InvoiceIssued):
        return ride_request(event.data)
    return note_ride_request(event.data)


def note_ride_request(data: NoteIssuedData) -> RideRequest:
    """A note's RIDE: its id where an invoice's goes, its issue month as the period."""
    return RideRequest(
        invoice_id=data.note_id,
        account_id=data.account_id,
        access_key=data.access_key,
        number=data.number,
        period=f"{data.issue_date:%Y-%m}",
        authorized_xml_sha256=data.authorized_xml_sha256,
        authorized_xml_size=data.authorized_xml_size,
        doc_type=data.doc_type,
    )


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
