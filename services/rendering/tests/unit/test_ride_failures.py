"""A RIDE whose every attempt fails for a cause outside its XML (the worker pool keeps breaking)
is recorded as failed, retryable, with RideFailed in the outbox, and its message goes to the DLQ;
a replay once the cause is gone renders it. Under FastStream's in-memory broker, on fakes."""

from typing import Any

from faststream.kafka import KafkaMessage, TestKafkaBroker

from common.contracts import InvoiceIssued, RideFailed, RideRendered
from common.testing import InMemoryRuntime, consumers_on_fakes
from rendering.bootstrap import Rendering
from rendering.consumers import consumers, ride_request
from rendering.use_cases import rides

from .fakes import (
    ACCESS_KEY,
    DEFAULT_XML,
    NOT_A_FACTURA,
    SETTINGS,
    FakeRenderer,
    FakeRides,
    FakeStorage,
    invoice_issued,
    service,
)

ATTEMPTS = SETTINGS.consumer_max_attempts


def parts(svc: Rendering) -> tuple[FakeRides, FakeStorage, FakeRenderer]:
    assert isinstance(svc.rides, FakeRides)
    assert isinstance(svc.storage, FakeStorage)
    assert isinstance(svc.renderer, FakeRenderer)
    return svc.rides, svc.storage, svc.renderer


async def consume(
    svc: Rendering, *events: InvoiceIssued
) -> tuple[list[dict[str, str]], InMemoryRuntime]:
    """Publish ``events`` through the consumer; the DLQ headers of what was dead-lettered."""
    broker, runtime = consumers_on_fakes(consumers, svc, SETTINGS)
    dead: list[dict[str, str]] = []

    @broker.subscriber(f"{InvoiceIssued.topic}.dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        dead.append(dict(message.headers))

    async with TestKafkaBroker(broker):
        for event in events:
            await broker.publish(
                event.model_dump_json().encode(),
                event.topic,
                key=event.key().encode(),
                headers=event.cloudevents_headers(),
            )
    return dead, runtime


def failures(store: FakeRides) -> list[RideFailed]:
    return [event for event in store.outbox if isinstance(event, RideFailed)]


async def test_a_renderer_that_always_breaks_fails_the_ride_after_the_last_attempt() -> None:
    svc = service(renderer=FakeRenderer(breakdowns=99))
    dead, runtime = await consume(svc, invoice_issued())
    store, storage, renderer = parts(svc)
    assert renderer.calls == ATTEMPTS
    ride = store.rows[ACCESS_KEY]
    assert ride.status == "failed" and ride.retryable and not ride.settled
    assert ride.error is not None and ride.error.startswith("BrokenProcessPool: ")
    (failed,) = store.outbox
    assert isinstance(failed, RideFailed)
    assert failed.data.retryable and failed.data.error == ride.error
    assert (failed.data.invoice_id, failed.data.access_key) == ("inv-1", ACCESS_KEY)
    (headers,) = dead
    assert headers["dlq_error_type"] == "BrokenProcessPool"
    assert "dlq_on_give_up_error" not in headers
    assert not storage.files and runtime.processed.records == []


async def test_a_renderer_that_breaks_twice_then_works_only_renders() -> None:
    svc = service(renderer=FakeRenderer(breakdowns=2))
    dead, _ = await consume(svc, invoice_issued())
    store, storage, renderer = parts(svc)
    assert renderer.calls == 3 and dead == []
    assert [type(event) for event in store.outbox] == [RideRendered]
    assert store.rows[ACCESS_KEY].status == "rendered" and ACCESS_KEY in storage.files


async def test_the_replay_of_a_failed_ride_renders_it_once_the_cause_is_gone() -> None:
    svc = service(renderer=FakeRenderer(breakdowns=99))
    event = invoice_issued()
    await consume(svc, event)
    store, storage, renderer = parts(svc)
    renderer.breakdowns = 0  # the pool is healthy again; the operator replays the DLQ
    dead, runtime = await consume(svc, event)
    assert dead == [] and renderer.calls == ATTEMPTS + 1
    assert [type(e) for e in store.outbox] == [RideFailed, RideRendered]
    ride = store.rows[ACCESS_KEY]
    assert ride.status == "rendered" and ride.error is None and not ride.retryable
    assert storage.files[ACCESS_KEY].content == b"%PDF-1.7 " + DEFAULT_XML.encode()
    assert [r["event_id"] for r in runtime.processed.records] == [str(event.event_id)]
    await consume(svc, event)  # once rendered, a further replay does nothing
    assert renderer.calls == ATTEMPTS + 1 and len(store.outbox) == 2


async def test_a_replay_that_fails_again_records_and_announces_the_new_failure() -> None:
    svc = service(renderer=FakeRenderer(breakdowns=2 * ATTEMPTS))
    dead, _ = await consume(svc, invoice_issued(), invoice_issued())
    store, _, _ = parts(svc)
    assert len(dead) == 2
    assert [f.data.retryable for f in failures(store)] == [True, True]
    assert store.rows[ACCESS_KEY].status == "failed"


async def test_a_refused_xml_stays_refused_for_good() -> None:
    """The hook hears of the refusal too (PermanentError) and keeps the record render made; a
    replay finds it settled and renders nothing."""
    svc = service()
    event = invoice_issued(NOT_A_FACTURA.decode())
    dead, _ = await consume(svc, event, event)
    store, _, renderer = parts(svc)
    assert len(dead) == 1 and renderer.calls == 1
    (refused,) = failures(store)
    assert not refused.data.retryable and "no es una factura" in refused.data.error
    assert store.rows[ACCESS_KEY].settled


async def test_giving_up_on_a_rendered_ride_changes_nothing() -> None:
    svc = service()
    request = ride_request(invoice_issued().data)
    await rides.render(svc, request)
    ride = await rides.give_up(svc, request, "TimeoutError: late")
    store, _, _ = parts(svc)
    assert ride.status == "rendered" and [type(e) for e in store.outbox] == [RideRendered]
