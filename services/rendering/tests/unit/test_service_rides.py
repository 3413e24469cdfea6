"""The rendering service on fakes: the use case renders once per clave and announces it, refuses
what is no factura (RideFailed, DLQ), and the consumer under FastStream's in-memory broker."""

import hashlib
from typing import Any

import pytest
from faststream.kafka import KafkaMessage, TestKafkaBroker

from common.contracts import (
    CreditNoteIssued,
    DebitNoteIssued,
    InvoiceIssued,
    RideFailed,
    RideRendered,
)
from common.messaging import PermanentError
from common.testing import consumers_on_fakes
from rendering.app import SPEC
from rendering.consumers import (
    consumers,
    render_credit_note_ride,
    render_debit_note_ride,
    render_ride,
    ride_failed,
    ride_request,
)
from rendering.use_cases import rides

from .fakes import (
    ACCESS_KEY,
    NOT_A_FACTURA,
    NOTE_KEY,
    SETTINGS,
    T0,
    FakeRenderer,
    FakeRides,
    FakeStorage,
    invoice_issued,
    note_issued,
    service,
)


def parts(svc: Any) -> tuple[FakeRides, FakeStorage, FakeRenderer]:
    assert isinstance(svc.rides, FakeRides)
    assert isinstance(svc.storage, FakeStorage)
    assert isinstance(svc.renderer, FakeRenderer)
    return svc.rides, svc.storage, svc.renderer


def test_the_spec_declares_the_outbox_and_the_events() -> None:
    assert consumers.group == "rendering"
    assert consumers.events == [InvoiceIssued, CreditNoteIssued, DebitNoteIssued]
    assert list(SPEC.outbox_collections) == ["rides"]
    assert list(SPEC.publishes) == [RideRendered, RideFailed]


async def test_an_invoice_is_rendered_stored_and_announced() -> None:
    svc = service()
    event = invoice_issued()
    await render_ride(event, svc)
    store, storage, _ = parts(svc)
    stored = storage.files[ACCESS_KEY]
    assert stored.number == "001-001-000000123" and stored.content.startswith(b"%PDF")
    (announced,) = store.outbox
    assert isinstance(announced, RideRendered)
    assert announced.key() == "inv-1"
    assert announced.data.model_dump() == {
        "invoice_id": "inv-1",
        "account_id": "acc-1",
        "access_key": ACCESS_KEY,
        "number": "001-001-000000123",
        "period": "2026-11",
        "size": len(stored.content),
        "sha256": hashlib.sha256(stored.content).hexdigest(),
        "rendered_at": T0,
        "doc_type": "01",
    }


@pytest.mark.parametrize("kind", [CreditNoteIssued, DebitNoteIssued])
async def test_a_note_is_rendered_as_its_kind_and_announced_with_its_doc_type(
    kind: type[CreditNoteIssued] | type[DebitNoteIssued],
) -> None:
    """A note's XML is fetched like an invoice's and rendered as its kind; RideRendered names it
    by its note id, its issue month and its doc_type. A replay renders nothing again."""
    svc = service()
    event = note_issued(kind)
    for again in (event, note_issued(kind)):  # the same note, a new event id
        if isinstance(again, CreditNoteIssued):
            await render_credit_note_ride(again, svc)
        else:
            await render_debit_note_ride(again, svc)
    store, storage, renderer = parts(svc)
    assert renderer.doc_types == [event.data.doc_type]
    assert storage.files[NOTE_KEY].number == "001-001-000000007"
    (announced,) = store.outbox
    assert isinstance(announced, RideRendered) and announced.key() == "note-1"
    assert (announced.data.doc_type, announced.data.period) == (event.data.doc_type, "2026-12")
    assert store.rows[NOTE_KEY].doc_type == event.data.doc_type


async def test_a_replay_renders_nothing_twice() -> None:
    svc = service()
    await render_ride(invoice_issued(), svc)
    await render_ride(invoice_issued(), svc)  # same invoice, a new event id
    store, storage, renderer = parts(svc)
    assert renderer.calls == 1 and storage.puts == 1
    assert len(store.outbox) == 1


async def test_a_crash_after_storing_keeps_the_first_pdf() -> None:
    """The PDF was stored but the record not written: the retry announces the stored PDF."""
    svc = service()
    _, storage, renderer = parts(svc)
    await storage.put(ACCESS_KEY, "001-001-000000123", b"%PDF first")
    ride = await rides.render(svc, ride_request(invoice_issued().data))
    assert ride.sha256 == hashlib.sha256(b"%PDF first").hexdigest()
    assert storage.files[ACCESS_KEY].content == b"%PDF first"
    assert renderer.calls == 0 and storage.puts == 1


async def test_what_is_no_factura_fails_permanently_once() -> None:
    svc = service()
    event = invoice_issued(NOT_A_FACTURA.decode())
    with pytest.raises(PermanentError, match="no es una factura"):
        await render_ride(event, svc)
    store, storage, _ = parts(svc)
    (failed,) = store.outbox
    assert isinstance(failed, RideFailed)
    assert failed.data.access_key == ACCESS_KEY and "no es una factura" in failed.data.error
    assert not storage.files
    await render_ride(invoice_issued(NOT_A_FACTURA.decode()), svc)  # replay: already recorded
    assert len(store.outbox) == 1


async def publish(broker: Any, event: InvoiceIssued) -> None:
    await broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


async def test_under_the_broker_a_duplicate_is_skipped_and_a_refusal_dead_lettered() -> None:
    svc = service()
    broker, runtime = consumers_on_fakes(consumers, svc, SETTINGS)
    dead: list[Any] = []

    @broker.subscriber(f"{InvoiceIssued.topic}.dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        dead.append(body)

    event = invoice_issued()
    async with TestKafkaBroker(broker):
        await publish(broker, event)
        await publish(broker, event)
        runtime.processed.records.clear()  # even without the processed-events mark
        await publish(broker, event)
        await publish(broker, invoice_issued(NOT_A_FACTURA.decode(), access_key="9" * 49))
    store, storage, renderer = parts(svc)
    assert renderer.calls == 2 and list(storage.files) == [ACCESS_KEY]
    assert [type(e) for e in store.outbox] == [RideRendered, RideFailed]
    assert [body["data"]["access_key"] for body in dead] == ["9" * 49]


async def test_a_note_that_is_no_note_or_given_up_fails_with_its_doc_type() -> None:
    """A note's XML that cannot be printed: RideFailed for good (PermanentError, the DLQ); a
    note whose every attempt failed: the give-up hook records it retryable. Both name 05."""
    svc = service()
    with pytest.raises(PermanentError):
        await render_debit_note_ride(note_issued(DebitNoteIssued, NOT_A_FACTURA.decode()), svc)
    store, _, _ = parts(svc)
    (refused,) = store.outbox
    assert isinstance(refused, RideFailed)
    assert (refused.data.doc_type, refused.data.retryable) == ("05", False)
    other = service()
    await ride_failed(note_issued(DebitNoteIssued), RuntimeError("workers"), other)
    store, _, _ = parts(other)
    (given_up,) = store.outbox
    assert isinstance(given_up, RideFailed)
    assert (given_up.data.doc_type, given_up.data.retryable) == ("05", True)
    assert given_up.data.invoice_id == "note-1"
