"""The outbox relay on the real Kafka and FerretDB: an entry bigger than the broker accepts, between
good ones, does not stop publishing; it is parked with its error after OUTBOX_MAX_ATTEMPTS.
And processed_events is cleaned up by age."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import BaseModel

from common import parked as parked_entries
from common.contracts.base import Event
from common.database import PROCESSED_EVENTS, Database
from common.messaging import create_broker, ensure_topics, publish_entry
from common.outbox import OUTBOX_FIELD, PARKED, OutboxRelay
from common.settings import ServiceSettings
from tests.kafka_support import all_records, security
from tests.support import KAFKA, MONGODB

ATTEMPTS = 3
# The broker's message.max.bytes is 1 MiB by default (the local stack keeps it), and so is the
# producer's max_request_size: 2 MiB is refused by the producer before it is sent. A topic whose
# max.message.bytes is 64 KiB makes the broker itself refuse a 200 KB entry.
SIZES = {"producer": (2 * 1024 * 1024, None), "broker": (200_000, 65_536)}


class BlobData(BaseModel):
    blob_id: str
    blob: str = ""


class Blob(Event, source="tests", key="blob_id"):
    data: BlobData


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    db = Database(MONGODB, f"test_parking_{uuid.uuid4().hex[:8]}")
    await db.ensure_indexes([])
    yield db
    await db.client.drop_database(db.db.name)
    await db.close()


async def create_topic(topic: str, max_message_bytes: int | None) -> None:
    if max_message_bytes is None:
        await ensure_topics(KAFKA, [topic], **security())
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA, **security())
    await admin.start()
    try:
        config = {"max.message.bytes": str(max_message_bytes)}
        await admin.create_topics([NewTopic(topic, 3, 1, topic_configs=config)])
    finally:
        await admin.close()


@pytest.mark.parametrize("refused_by", list(SIZES))
async def test_an_oversized_entry_is_parked_and_the_good_ones_are_published(
    database: Database, refused_by: str
) -> None:
    size, max_message_bytes = SIZES[refused_by]
    topic = f"tests.parking-{uuid.uuid4().hex[:8]}"
    await create_topic(topic, max_message_bytes)
    Blob.topic = topic
    good = [Blob(data=BlobData(blob_id=f"good-{n}")) for n in range(4)]
    big = Blob(data=BlobData(blob_id="big", blob="x" * size))
    aggregates = database.raw("aggregates")
    await aggregates.insert_one({"_id": "one", OUTBOX_FIELD: [good[0].to_document()]})
    entries = [good[1].to_document(), big.to_document(), good[2].to_document()]
    await aggregates.insert_one({"_id": "two", OUTBOX_FIELD: entries})
    await aggregates.insert_one({"_id": "three", OUTBOX_FIELD: [good[3].to_document()]})

    broker = create_broker(ServiceSettings(service_name="tests", kafka_bootstrap_servers=KAFKA))
    await broker.start()
    try:
        relay = OutboxRelay(
            database,
            ["aggregates"],
            lambda entry: publish_entry(broker, entry),
            30,
            max_attempts=ATTEMPTS,
            kafka_reachable=lambda: broker.ping(timeout=5.0),
        )
        published = [await relay.sweep() for _ in range(ATTEMPTS)]
    finally:
        await broker.stop()

    # Round 1: good-0, good-1, good-3 (good-2 waits behind the big one); the last round parks it
    # and good-2 follows.
    assert published == [3, 0, 1]
    keys = sorted(r.key.decode() for r in await all_records(topic))
    assert keys == ["good-0", "good-1", "good-2", "good-3"]
    parked = await database.raw(PARKED).find_one({"_id": str(big.event_id)})
    assert parked is not None and parked["attempts"] == ATTEMPTS
    assert parked["collection"] == "aggregates" and parked["document_id"] == "two"
    assert "TooLarge" in parked["error"], parked["error"]
    assert len(parked["entry"]["payload"]) > size  # kept whole: nothing is lost
    pending = await aggregates.count_documents({f"{OUTBOX_FIELD}.0": {"$exists": True}})
    assert pending == 0
    # The operator's way back (python -m common.parked requeue): into its document's outbox.
    assert await parked_entries.requeue(database, [str(big.event_id)]) == 1
    doc = await aggregates.find_one({"_id": "two"})
    assert doc is not None and [e["event_id"] for e in doc[OUTBOX_FIELD]] == [str(big.event_id)]
    assert await database.raw(PARKED).count_documents({}) == 0
    print(
        f"\noutbox parking ({refused_by}): {len(good)} good entries published, 1 entry of "
        f"{len(parked['entry']['payload'])} bytes parked after {ATTEMPTS} attempts: "
        f"{parked['error'][:120]}"
    )


async def test_processed_events_older_than_the_retention_are_forgotten(
    database: Database,
) -> None:
    now = datetime.now(UTC)
    processed = database[PROCESSED_EVENTS]
    ages = {"old": timedelta(days=40), "older": timedelta(days=400), "recent": timedelta(days=2)}
    for event_id, age in ages.items():
        record = {"consumer": "c", "event_id": event_id, "processed_at": now - age}
        await processed.insert_one(record)
    assert await database.forget_processed(now - timedelta(days=30)) == 2
    left = [doc["event_id"] async for doc in processed.find({})]
    assert left == ["recent"]
    index_keys = [index["key"] async for index in await processed.list_indexes()]
    assert any(list(key) == ["processed_at"] for key in index_keys)
