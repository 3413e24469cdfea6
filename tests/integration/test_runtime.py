"""The shared runtime against the real Kafka and FerretDB: outbox relay, idempotent consumers,
retries and the DLQ."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from pydantic import BaseModel

from common import context, dlq
from common.contracts.base import Event
from common.database import Database
from common.messaging import Consumers, PermanentError, create_broker, ensure_topics, publish_entry
from common.outbox import OutboxRelay, outbox_push
from common.settings import ServiceSettings
from tests.kafka_support import all_records, find_record, headers_of, produce, security
from tests.support import KAFKA, MONGODB


class PingData(BaseModel):
    ping_id: str
    fail_times: int = 0
    permanent: bool = False


class Ping(Event, source="tests", key="ping_id"):
    data: PingData


def ping_event_class(topic: str) -> type[Ping]:
    """Ping on a topic of the test's own (the class attribute is read when used)."""
    Ping.topic = topic
    return Ping


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    db = Database(MONGODB, f"test_runtime_{uuid.uuid4().hex[:8]}")
    await db.ensure_indexes([])
    yield db
    await db.client.drop_database(db.db.name)
    await db.close()


@pytest.fixture
def settings() -> ServiceSettings:
    return ServiceSettings(
        service_name="tests", kafka_bootstrap_servers=KAFKA, consumer_backoff_seconds=0.05
    )


async def test_outbox_relay_publishes_with_cloudevents_headers_then_forgets(
    database: Database, settings: ServiceSettings
) -> None:
    topic = f"tests.outbox-{uuid.uuid4().hex[:8]}"
    await ensure_topics(KAFKA, [topic], **security())
    event = ping_event_class(topic)(data=PingData(ping_id=uuid.uuid4().hex))
    aggregates = database["aggregates"]
    await aggregates.insert_one({"_id": "a1", "state": 0, "outbox": []})
    await aggregates.update_one({"_id": "a1"}, {"$set": {"state": 1}, **outbox_push(event)})

    broker = create_broker(settings)
    await broker.connect()
    try:
        relay = OutboxRelay(database, ["aggregates"], lambda e: publish_entry(broker, e), 30)
        relay.notify("aggregates", "a1")
        assert await relay.drain_written() == 1
        assert await relay.sweep() == 0  # published entries are gone from the document
        # A writer that died before telling its relay: the sweep finds its events.
        orphan = ping_event_class(topic)(data=PingData(ping_id=uuid.uuid4().hex))
        await aggregates.insert_one({"_id": "a2", "outbox": [orphan.to_document()]})
        assert await relay.sweep() == 1
    finally:
        await broker.stop()
    doc = await aggregates.find_one({"_id": "a1"})
    assert doc is not None and doc["outbox"] == [] and doc["state"] == 1

    assert (
        await find_record(topic, orphan.key().encode())
    ).value == orphan.model_dump_json().encode()
    record = await find_record(topic, event.key().encode())
    headers = headers_of(record)
    assert headers["ce_id"] == str(event.event_id)
    assert headers["ce_type"] == "tests.ping" and headers["ce_source"] == "/tests"
    assert headers["ce_specversion"] == "1.0" and headers["traceparent"].startswith("00-")
    assert headers["correlation_id"] == event.correlation_id


async def test_consumer_is_idempotent_retries_and_dead_letters(
    database: Database, settings: ServiceSettings
) -> None:
    topic = f"tests.consume-{uuid.uuid4().hex[:8]}"
    await ensure_topics(KAFKA, [topic], **security())
    ping = ping_event_class(topic)
    calls: dict[str, int] = {}
    correlations: list[str] = []
    consumers = Consumers(group="tests")

    @consumers(Ping)
    async def handle(event: Ping) -> None:
        data = event.data
        calls[data.ping_id] = calls.get(data.ping_id, 0) + 1
        correlations.append(context.correlation_id())
        if data.permanent:
            raise PermanentError("no way")
        if calls[data.ping_id] <= data.fail_times:
            raise ConnectionError("transient")

    once = ping(data=PingData(ping_id="once"), correlation_id="corr-once")
    flaky = ping(data=PingData(ping_id="flaky", fail_times=2))
    doomed = ping(data=PingData(ping_id="doomed", permanent=True))
    for event in (once, once, flaky, doomed):  # `once` twice: a replay
        await produce(
            topic,
            event.model_dump_json().encode(),
            event.key().encode(),
            event.cloudevents_headers(),
        )
    await produce(topic, b"not json at all", b"garbage")

    broker = create_broker(settings)
    broker.context.set_global("runtime", SimpleNamespace(database=database))
    broker.include_router(consumers.router(settings))
    await broker.start()
    try:
        async with asyncio.timeout(60):
            while calls.get("doomed", 0) < 1 or calls.get("flaky", 0) < 3:
                await asyncio.sleep(0.1)
        dead = await find_record(f"{topic}.dlq", b"doomed")
        garbage = await find_record(f"{topic}.dlq", b"garbage")
    finally:
        await broker.stop()

    assert calls == {"once": 1, "flaky": 3, "doomed": 1}
    assert "corr-once" in correlations
    assert headers_of(dead)["dlq_error_type"] == "PermanentError"
    assert headers_of(garbage)["dlq_original_topic"] == topic
    processed = database["processed_events"]
    assert await processed.count_documents({"consumer": "tests"}) == 2  # once, flaky


async def test_dlq_replay_puts_messages_back_once() -> None:
    topic = f"tests.replay-{uuid.uuid4().hex[:8]}"
    await ensure_topics(KAFKA, [topic], **security())
    await produce(f"{topic}.dlq", b"payload", b"k1", {"ce_id": "e1", "dlq_error": "boom"})
    assert await dlq.run("replay", topic, KAFKA) == 1
    assert await dlq.run("replay", topic, KAFKA) == 0  # progress is committed
    [record] = await all_records(topic)
    assert record.value == b"payload" and record.key == b"k1"
    assert headers_of(record) == {"ce_id": "e1"}


async def test_a_message_given_up_is_told_to_its_hook_then_dead_lettered(
    database: Database, settings: ServiceSettings
) -> None:
    """on_give_up on the real Kafka and FerretDB: the hook's record is written before the
    message reaches the DLQ, and the message is not marked processed (a replay runs again)."""
    topic = f"tests.give-up-{uuid.uuid4().hex[:8]}"
    await ensure_topics(KAFKA, [topic], **security())
    ping = ping_event_class(topic)
    consumers = Consumers(group=f"tests-{uuid.uuid4().hex[:8]}")

    async def record_failure(event: Ping, error: Exception, service: SimpleNamespace) -> None:
        await service.database["failures"].insert_one(
            {"_id": event.data.ping_id, "error": f"{type(error).__name__}: {error}"}
        )

    @consumers(Ping, on_give_up=record_failure)
    async def handle(event: Ping) -> None:
        raise ConnectionError(f"{event.data.ping_id} cannot be handled now")

    doomed = ping(data=PingData(ping_id=uuid.uuid4().hex))
    await produce(
        topic,
        doomed.model_dump_json().encode(),
        doomed.key().encode(),
        doomed.cloudevents_headers(),
    )
    broker = create_broker(settings)
    broker.context.set_global("runtime", SimpleNamespace(database=database))
    broker.context.set_global("service", SimpleNamespace(database=database))
    broker.include_router(consumers.router(settings))
    await broker.start()
    try:
        dead = await find_record(f"{topic}.dlq", doomed.key().encode())
    finally:
        await broker.stop()

    failure = await database["failures"].find_one({"_id": doomed.data.ping_id})
    assert failure is not None
    assert failure["error"] == f"ConnectionError: {doomed.data.ping_id} cannot be handled now"
    headers = headers_of(dead)
    assert headers["dlq_error_type"] == "ConnectionError"
    assert "dlq_on_give_up_error" not in headers
    assert await database["processed_events"].count_documents({}) == 0
