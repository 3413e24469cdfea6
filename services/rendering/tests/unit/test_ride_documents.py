"""The authorized XML comes from billing (InvoiceIssued names it): under FastStream's in-memory
broker, on fakes. billing down (503, unreachable, too slow) is waited out past every attempt
and never dead-lettered; a clave billing does not have, or bytes other than the event names,
go to the DLQ at once, recorded as a retryable failure with RideFailed; a RIDE already stored
needs no fetch."""

import hashlib

from common.contracts import RideFailed, RideRendered
from rendering.bootstrap import Rendering
from rendering.consumers import ride_request
from rendering.use_cases import rides

from .fakes import ACCESS_KEY, BILLING, SETTINGS, FakeDocuments, invoice_issued, service
from .test_ride_failures import consume, parts

ATTEMPTS = SETTINGS.consumer_max_attempts


def documents(svc: Rendering) -> FakeDocuments:
    assert isinstance(svc.documents, FakeDocuments)
    return svc.documents


async def test_billing_unavailable_is_waited_out_past_every_attempt() -> None:
    svc = service(documents=FakeDocuments(outages=ATTEMPTS + 3))
    dead, runtime = await consume(svc, event := invoice_issued())
    store, storage, renderer = parts(svc)
    assert dead == [] and documents(svc).calls == ATTEMPTS + 4 and renderer.calls == 1
    assert [type(e) for e in store.outbox] == [RideRendered]
    assert storage.files[ACCESS_KEY].content.endswith(BILLING[ACCESS_KEY])
    assert [r["event_id"] for r in runtime.processed.records] == [str(event.event_id)]


async def test_other_bytes_than_the_event_names_go_to_the_dlq_at_once() -> None:
    event = invoice_issued()
    BILLING[ACCESS_KEY] = b"<autorizacion>otra</autorizacion>"  # billing serves something else
    svc = service()
    dead, runtime = await consume(svc, event)
    store, storage, renderer = parts(svc)
    (headers,) = dead
    assert headers["dlq_error_type"] == "DocumentMismatch"
    assert documents(svc).calls == 1 and renderer.calls == 0 and not storage.files
    ride = store.rows[ACCESS_KEY]
    assert ride.status == "failed" and ride.retryable  # a replay may render it once fixed
    assert ride.error is not None and ride.error.startswith("DocumentMismatch: ")
    assert [type(e) for e in store.outbox] == [RideFailed]
    assert runtime.processed.records == []


async def test_a_clave_billing_does_not_have_goes_to_the_dlq_at_once() -> None:
    event = invoice_issued(access_key="7" * 49)
    del BILLING["7" * 49]
    svc = service()
    dead, _ = await consume(svc, event)
    (headers,) = dead
    assert headers["dlq_error_type"] == "DocumentMissing"
    assert documents(svc).calls == 1 and parts(svc)[2].calls == 0


async def test_the_event_is_checked_against_what_billing_serves() -> None:
    """A digest altered on the way fails the check, whatever billing serves."""
    event = invoice_issued()
    altered = event.data.model_copy(
        update={"authorized_xml_sha256": hashlib.sha256(b"x").hexdigest()}
    )
    svc = service()
    dead, _ = await consume(svc, event.model_copy(update={"data": altered}))
    assert [h["dlq_error_type"] for h in dead] == ["DocumentMismatch"]


async def test_a_stored_ride_needs_no_fetch() -> None:
    svc = service(documents=FakeDocuments(served={}))
    _, storage, renderer = parts(svc)
    await storage.put(ACCESS_KEY, "001-001-000000123", b"%PDF stored")
    ride = await rides.render(svc, ride_request(invoice_issued().data))
    assert ride.status == "rendered" and documents(svc).calls == 0 and renderer.calls == 0
