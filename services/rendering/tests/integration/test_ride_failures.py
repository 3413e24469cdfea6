"""A RIDE that cannot be rendered now, on the real Kafka and FerretDB with the real worker pool:
while the pool keeps breaking, InvoiceIssued goes to the DLQ after its last attempt and the ride
is recorded as failed (retryable) with RideFailed in its outbox; once the pool is healthy, the
operator's replay of the DLQ (``common.dlq``) renders it, and RideRendered follows.

The consumers run on topics of this test (same handlers, hook, schema), in a group and a
database of its own; the outbox relay is not started (what it would publish is read from the
record), so nothing reaches the stack's topics."""

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from common import dlq
from common.contracts.billing import InvoiceIssued
from common.messaging import Consumers, ensure_topics
from common.service import build_app
from rendering.adapters.pool import ProcessPoolRenderer
from rendering.adapters.store import INDEXES, RIDES
from rendering.app import SPEC
from rendering.bootstrap import Rendering, bootstrap
from rendering.domain.parse import read_ride
from rendering.settings import RenderingSettings
from services.rendering.tests.unit.facturas import authorized, one_rate
from services.rendering.tests.unit.fakes import FakeDocuments, invoice_issued
from tests.kafka_support import find_record, headers_of, produce, security
from tests.support import KAFKA, MONGODB


class BreakableRenderer:
    """The real pool, failing as a pool whose workers keep dying while ``broken``."""

    def __init__(self) -> None:
        self.pool = ProcessPoolRenderer(workers=1, tasks_per_worker=5)
        self.broken = True
        self.calls = 0

    async def render(self, xml: bytes, doc_type: str = "01") -> bytes:
        self.calls += 1
        if self.broken:
            raise BrokenProcessPool("A process in the process pool was terminated abruptly")
        return await self.pool.render(xml, doc_type)


@pytest.fixture
async def rendering() -> AsyncIterator[tuple[Rendering, str]]:
    """rendering consuming a topic of this test; yields the service and that topic."""
    assert SPEC.consumers is not None
    run = uuid.uuid4().hex[:8]
    consumers = Consumers(group=SPEC.consumers.group)
    for declared in SPEC.consumers.declared:
        local: Any = type(declared.event.__name__, (declared.event,), {"__module__": __name__})
        local.topic = f"test-{run}.{declared.event.topic}"
        consumers(local, declared.description, declared.on_give_up)(declared.handler)
    topics = [event.topic for event in consumers.events]
    # The invoices' topic is the one this test feeds (the notes' are consumed the same way).
    (topic,) = [t for t in topics if t.endswith(f".{InvoiceIssued.topic}")]
    settings = RenderingSettings(
        mongodb_url=MONGODB,
        mongodb_database=f"rendering_test_{run}",
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        consumer_group=f"rendering-test-{run}",
        consumer_backoff_seconds=0.05,
        consumer_max_attempts=3,
        ride_link_key="clave-de-enlaces-de-integracion-0123456789",
    )
    svc = bootstrap(settings, renderer=BreakableRenderer(), documents=FakeDocuments())
    build_app(dataclasses.replace(SPEC, consumers=consumers), svc)
    database = svc.runtime.database
    await database.ensure_indexes(INDEXES)
    await ensure_topics(KAFKA, topics, **security())
    await svc.runtime.broker.start()
    try:
        yield svc, topic
    finally:
        await svc.runtime.broker.stop()
        assert isinstance(svc.renderer, BreakableRenderer)
        svc.renderer.pool.close()
        await database.client.drop_database(settings.database_name)
        await database.close()


async def ride_document(svc: Rendering, access_key: str, status: str) -> dict[str, Any]:
    async with asyncio.timeout(60):
        while True:
            doc = await svc.runtime.database[RIDES].find_one({"_id": access_key})
            if doc is not None and doc["status"] == status:
                return dict(doc)
            await asyncio.sleep(0.1)


async def test_a_ride_failed_for_now_is_recorded_dead_lettered_and_rendered_on_replay(
    rendering: tuple[Rendering, str],
) -> None:
    svc, topic = rendering
    renderer = svc.renderer
    assert isinstance(renderer, BreakableRenderer)
    xml = authorized(one_rate()).decode()
    ride = read_ride(xml.encode())
    event = invoice_issued(xml, access_key=ride.access_key, number=ride.number)
    key = event.key().encode()
    await produce(topic, event.model_dump_json().encode(), key, event.cloudevents_headers())

    dead = await find_record(f"{topic}.dlq", key, timeout=60)
    assert headers_of(dead)["dlq_error_type"] == "BrokenProcessPool"
    assert "dlq_on_give_up_error" not in headers_of(dead)
    failed = await ride_document(svc, ride.access_key, "failed")
    assert failed["retryable"] and failed["error"].startswith("BrokenProcessPool: ")
    (announced,) = failed["outbox"]
    assert announced["topic"] == "rendering.ride-failed"
    assert renderer.calls == 3

    renderer.broken = False  # the cause is fixed; the operator replays the DLQ
    assert await dlq.run("replay", topic, KAFKA) == 1
    rendered = await ride_document(svc, ride.access_key, "rendered")
    assert rendered["error"] is None and not rendered["retryable"] and rendered["size"] > 0
    assert [e["topic"] for e in rendered["outbox"]] == [
        "rendering.ride-failed",  # not published yet (no relay here): still there
        "rendering.ride-rendered",
    ]
    db = svc.runtime.database.db
    assert await db["ride_pdfs.files"].count_documents({"_id": ride.access_key}) == 1
    assert await db["processed_events"].count_documents({"event_id": str(event.event_id)}) == 1
