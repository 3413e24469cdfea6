"""How big the events on Kafka are, per topic: count, largest and mean record (value + key +
headers), read from the beginning of every service topic (not DLQs, not test topics).

    python -m scripts.event_sizes [--bootstrap 127.0.0.1:9092]

The broker refuses records above its message.max.bytes (1 MiB by default); the outbox relay
parks an entry that keeps being refused (common/outbox.py)."""

import argparse
import asyncio
import os
import uuid

from aiokafka import AIOKafkaConsumer

from common.contracts import ALL_EVENTS
from common.kafka_security import KafkaSecurity, client_kwargs


def record_size(record: object) -> int:
    value = getattr(record, "value", None) or b""
    key = getattr(record, "key", None) or b""
    headers = getattr(record, "headers", ()) or ()
    return len(value) + len(key) + sum(len(k) + len(v or b"") for k, v in headers)


async def sizes(bootstrap: str, idle_seconds: float = 3.0) -> dict[str, list[int]]:
    topics = sorted({event.topic for event in ALL_EVENTS})
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"event-sizes-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        # As KAFKA_SASL_USERNAME from the environment (an operator's principal; locally admin).
        **client_kwargs(KafkaSecurity()),
    )
    await consumer.start()
    found: dict[str, list[int]] = {topic: [] for topic in topics}
    try:
        while batch := await consumer.getmany(timeout_ms=int(idle_seconds * 1000)):
            for partition, records in batch.items():
                found[partition.topic] += [record_size(r) for r in records]
    finally:
        await consumer.stop()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    args = parser.parse_args()
    found = asyncio.run(sizes(args.bootstrap))
    print(f"{'topic':45} {'records':>8} {'largest B':>10} {'mean B':>8}")
    for topic, values in sorted(found.items(), key=lambda item: -max(item[1] or [0])):
        largest = max(values) if values else 0
        mean = sum(values) // len(values) if values else 0
        print(f"{topic:45} {len(values):>8} {largest:>10} {mean:>8}")


if __name__ == "__main__":
    main()
