"""billing's subscriber history read straight from Kafka, for the start-up backfill.

A consumer without a group (``assign`` + ``seek_to_beginning``, nothing committed) reads both
subscription topics from their first offset to the end offsets they had when it started, then
stops: the directory is complete up to that moment, and the consumer group "lines" carries on
from its own offsets (replays merge to the same documents).
"""

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from common.contracts.billing import SubscriptionActivated, SubscriptionEnded
from common.kafka_reads import topic_partitions
from common.logging import get_logger
from lines.domain.directory import Subscription
from lines.events import subscription_of

log = get_logger(__name__)

TOPICS: dict[str, type[SubscriptionActivated] | type[SubscriptionEnded]] = {
    SubscriptionActivated.topic: SubscriptionActivated,
    SubscriptionEnded.topic: SubscriptionEnded,
}


class KafkaSubscriberHistory:
    def __init__(
        self,
        bootstrap_servers: str,
        timeout_seconds: float = 120.0,
        client: Mapping[str, Any] | None = None,
    ) -> None:
        """``client``: the security arguments (common.kafka_security.client_kwargs)."""
        self._bootstrap = bootstrap_servers
        self._timeout = timeout_seconds
        self._client = dict(client or {})

    async def subscriptions(self) -> AsyncIterator[Subscription]:
        partitions = await topic_partitions(self._bootstrap, TOPICS, **self._client)
        if not partitions:
            return
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=None,
            **self._client,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            async with asyncio.timeout(self._timeout):
                async for subscription in _read_to_end(consumer, partitions):
                    yield subscription
        finally:
            await consumer.stop()


async def _read_to_end(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> AsyncIterator[Subscription]:
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    pending = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
    while pending:
        batch = await consumer.getmany(*pending, timeout_ms=1000)
        for tp, records in batch.items():
            for record in records:
                if record.offset < ends[tp]:
                    subscription = _parse(record)
                    if subscription is not None:
                        yield subscription
        pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}


def _parse(record: ConsumerRecord[bytes, bytes]) -> Subscription | None:
    try:
        event = TOPICS[record.topic].model_validate_json(record.value or b"")
    except ValidationError:
        # The consumer group sends such a message to the DLQ; the backfill just skips it.
        log.warning("backfill_skipped_malformed", topic=record.topic, offset=record.offset)
        return None
    return subscription_of(event.data, event.occurred_at)
