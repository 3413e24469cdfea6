"""Reading and writing the real Kafka from tests, as the principal of the environment's
KAFKA_SASL_USERNAME (the local stack's admin: see the root conftest.py)."""

import asyncio
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from common.kafka_security import KafkaSecurity, client_kwargs
from tests.support import KAFKA


def security() -> dict[str, Any]:
    """aiokafka's security arguments from the environment."""
    return client_kwargs(KafkaSecurity())


async def produce(
    topic: str, value: bytes, key: bytes, headers: dict[str, str] | None = None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", **security())
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, value, key=key, headers=[(k, v.encode()) for k, v in (headers or {}).items()]
        )
    finally:
        await producer.stop()


async def find_record(topic: str, key: bytes, timeout: float = 30.0) -> ConsumerRecord:
    """The first record with ``key`` on ``topic`` (read from the beginning)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=KAFKA,
        group_id=f"test-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **security(),
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            async for record in consumer:
                if record.key == key:
                    return record
    finally:
        await consumer.stop()
    raise AssertionError("unreachable")


def headers_of(record: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


async def all_records(
    topic: str, idle_seconds: float = 3.0, bootstrap: str = KAFKA
) -> list[ConsumerRecord]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **security(),
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        while batch := await consumer.getmany(timeout_ms=int(idle_seconds * 1000)):
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records
