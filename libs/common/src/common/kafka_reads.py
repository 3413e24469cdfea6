"""Reading topics without a consumer group (backfills, followers that every instance runs)."""

from collections.abc import Iterable
from typing import Any

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def topic_partitions(
    bootstrap_servers: str, topics: Iterable[str], **client: Any
) -> list[TopicPartition]:
    """The topics' partitions, from the cluster (a topic not created yet has none).
    ``client``: the security arguments (common.kafka_security.client_kwargs)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    ]
