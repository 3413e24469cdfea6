"""A database outage during sign-ups sends nothing to the DLQ (docs/design.md §4): the real
notifier app (its consumers on topics of this run, its own consumer group) on a FerretDB of
the test's own, with activation events flowing on the real Kafka; the FerretDB is SIGKILLed for
OUTAGE_SECONDS and restarted on the same data. Every activation email reaches Mailpit exactly
once after it returns, and the DLQ stays empty.

A retry round shorter than the outage (CONSUMER_RETRY_ROUND_SECONDS=10) makes the consumers
hand messages back to Kafka uncommitted during the outage, and read them again: that path too."""

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from common.contracts import ActivationRequested
from common.database import PROCESSED_EVENTS, Database
from common.service import ServiceSpec
from notifier.adapters.store import DELIVERIES
from notifier.bootstrap import Notifier
from services.notifier.tests.integration.test_handlers import link_data
from tests.ferretdb_support import PrivateFerretDB
from tests.kafka_support import all_records, security
from tests.support import KAFKA, mails_to, unique_email

BEFORE_SECONDS, OUTAGE_SECONDS, AFTER_SECONDS = 8.0, 30.0, 8.0
EVENT_EVERY_SECONDS = 0.5


@pytest.fixture
def ferretdb(tmp_path: Path) -> Iterator[PrivateFerretDB]:
    database = PrivateFerretDB(tmp_path / "ferretdb")
    database.start()
    yield database
    database.kill()


def activation_topic(spec: ServiceSpec[Notifier]) -> str:
    assert spec.consumers is not None
    [declared] = [d for d in spec.consumers.declared if issubclass(d.event, ActivationRequested)]
    return declared.event.topic


async def sign_ups(topic: str, seconds: float, addresses: list[str]) -> None:
    """What identity publishes at each sign-up: an ActivationRequested, every half second."""
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", **security())
    await producer.start()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            address = unique_email("caida-bd")
            event = ActivationRequested(data=link_data(address))
            headers = [(k, v.encode()) for k, v in event.cloudevents_headers().items()]
            await producer.send_and_wait(
                topic, event.model_dump_json().encode(), key=event.key().encode(), headers=headers
            )
            addresses.append(address)
            await asyncio.sleep(EVENT_EVERY_SECONDS)
    finally:
        await producer.stop()


async def test_a_database_outage_during_sign_ups_loses_nothing_and_dead_letters_nothing(
    ferretdb: PrivateFerretDB,
    start: Callable[..., Any],
    isolated: ServiceSpec[Notifier],
) -> None:
    group = f"notifier-outage-{uuid.uuid4().hex[:8]}"
    app = await start(
        mongodb_url=ferretdb.url,
        mongodb_max_pool_size=1,
        consumer_group=group,
        consumer_backoff_seconds=0.2,
        consumer_backoff_max_seconds=2.0,
        consumer_retry_round_seconds=10.0,
    )
    topic = activation_topic(isolated)
    addresses: list[str] = []
    flow = asyncio.create_task(
        sign_ups(topic, BEFORE_SECONDS + OUTAGE_SECONDS + AFTER_SECONDS, addresses)
    )
    await asyncio.sleep(BEFORE_SECONDS)
    ferretdb.kill()
    killed = time.monotonic()
    during = len(addresses)
    await asyncio.sleep(OUTAGE_SECONDS)
    await asyncio.to_thread(ferretdb.start)  # the same data directory, the same port
    outage = time.monotonic() - killed
    produced_in_outage = len(addresses) - during
    await flow

    database: Database = app.state.runtime.database
    deliveries = database[DELIVERIES]
    for _ in range(360):  # up to 3 minutes for the backlog
        if await deliveries.count_documents({"status": "sent"}) >= len(addresses):
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)  # a duplicate would arrive about now
    async with httpx.AsyncClient(timeout=30) as http:
        counts = [len(await mails_to(http, address)) for address in addresses]
    dead = await all_records(topic + ".dlq")
    processed = await database[PROCESSED_EVENTS].count_documents({"consumer": group})
    sent = await deliveries.count_documents({"status": "sent"})
    assert counts == [1] * len(addresses), counts
    assert dead == []
    assert processed == len(addresses) and sent == len(addresses)
    print(
        f"\ndatabase outage: {len(addresses)} activation events ({produced_in_outage} during the "
        f"outage), FerretDB down {outage:.0f} s; handled {processed}, emails {sum(counts)} "
        f"(each address once), DLQ {len(dead)}"
    )
