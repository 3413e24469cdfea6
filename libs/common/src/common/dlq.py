"""Operator command: list or replay dead-lettered messages.

    python -m common.dlq list identity.user-registered
    python -m common.dlq replay identity.user-registered

``replay`` republishes each message of ``<topic>.dlq`` to ``<topic>`` (original key, value and
headers, without the ``dlq_*`` ones) and commits its progress under the consumer group
``dlq-replay``, so a message is replayed once. Consumers are idempotent, so replaying a message
that was meanwhile processed is harmless.
"""

import argparse
import asyncio
import os

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from common.contracts.base import dead_letter_topic
from common.kafka_security import KafkaSecurity, client_kwargs


async def run(action: str, topic: str, bootstrap: str, idle_seconds: float = 3.0) -> int:
    """As the principal of KAFKA_SASL_USERNAME (an operator's, with READ on the DLQ, WRITE on
    the topic and the group dlq-replay; the local stack's admin)."""
    client = client_kwargs(KafkaSecurity())
    consumer = AIOKafkaConsumer(
        dead_letter_topic(topic),
        bootstrap_servers=bootstrap,
        group_id="dlq-replay" if action == "replay" else None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **client)
    await consumer.start()
    await producer.start()
    count = 0
    try:
        while batch := await consumer.getmany(timeout_ms=int(idle_seconds * 1000)):
            for records in batch.values():
                for record in records:
                    headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
                    count += 1
                    if action == "list":
                        print(
                            record.offset, headers.get("dlq_error_type"), headers.get("dlq_error")
                        )
                        continue
                    original = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
                    await producer.send_and_wait(
                        topic, record.value, key=record.key, headers=original
                    )
            if action == "replay":
                await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("topic", help="the original topic, e.g. identity.user-registered")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    args = parser.parse_args()
    count = asyncio.run(run(args.action, args.topic, args.bootstrap))
    print(f"{args.action}: {count} message(s) from {dead_letter_topic(args.topic)}")


if __name__ == "__main__":
    main()
