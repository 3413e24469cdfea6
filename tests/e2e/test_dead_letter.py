"""A malformed event lands in the DLQ and the same consumer keeps processing good events."""

import asyncio
import uuid

import httpx
from pymongo import AsyncMongoClient

from common.contracts import UserRegistered
from common.contracts.identity import UserProfile
from tests.kafka_support import find_record, headers_of, produce
from tests.support import MONGODB, make_cedula, unique_email

NOTIFIER = "http://127.0.0.1:8104"


def dead_lettered(metrics: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if (
            line.startswith("dead_letter_messages_total{")
            and 'topic="identity.user-registered"' in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def test_malformed_user_registered_goes_to_dlq_and_consumer_continues() -> None:
    async with httpx.AsyncClient() as http:
        before = dead_lettered((await http.get(f"{NOTIFIER}/metrics")).text)

        bad_key = uuid.uuid4().hex.encode()
        await produce(
            "identity.user-registered", b'{"event_type": "identity.user_registered"', bad_key
        )
        record = await find_record("identity.user-registered.dlq", bad_key)
        headers = headers_of(record)
        assert record.value == b'{"event_type": "identity.user_registered"'
        assert headers["dlq_original_topic"] == "identity.user-registered"
        assert headers["dlq_consumer_group"] == "notifier"
        assert headers["dlq_error"]

        # A well-formed event after the poison one is still consumed by the same consumer.
        user_id = uuid.uuid4().hex
        profile = UserProfile(
            user_id=user_id,
            email=unique_email(),
            given_names="Rosa",
            surnames="Tenesaca",
            id_type="cedula",
            id_number=make_cedula(),
        )
        event = UserRegistered(data=profile)
        await produce(
            event.topic,
            event.model_dump_json().encode(),
            user_id.encode(),
            event.cloudevents_headers(),
        )
        client: AsyncMongoClient = AsyncMongoClient(MONGODB)
        try:
            recipients = client["notifier"]["recipients"]
            async with asyncio.timeout(30):
                while not await recipients.find_one({"_id": user_id}):
                    await asyncio.sleep(0.2)
        finally:
            await client.close()
        after = dead_lettered((await http.get(f"{NOTIFIER}/metrics")).text)
        assert after >= before + 1
