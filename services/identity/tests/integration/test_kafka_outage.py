"""Kafka down does not take identity down (docs/design.md §7, issue 11 item 12).

- A real identity process started while its Kafka address refuses connections becomes ready,
  signs a person up, activates and logs them in, serves its JWKS; the events wait in the outbox.
  When Kafka answers (a forwarder to the local broker starts listening on that address) each of
  them is published exactly once.
- A broker of the test's own (tests/kafka_private.py) that identity is using is stopped for 60 s
  and started again on the same data: sign-ups, activations and logins answer throughout, and
  every event is on the broker exactly once afterwards."""

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.contracts import ActivationRequested, UserActivated, UserRegistered
from common.database import Database
from tests.kafka_private import PrivateKafka
from tests.kafka_support import all_records
from tests.support import (
    KAFKA,
    MONGODB,
    ServiceProcess,
    forward,
    free_port,
    registration,
    unique_email,
)

TEST_ANSWER = "prueba-sin-kafka"
OUTAGE_SECONDS = 20.0
STOPPED_SECONDS = 60.0
TOPICS = (UserRegistered.topic, ActivationRequested.topic, UserActivated.topic)


@pytest.fixture
async def identity() -> AsyncIterator[tuple[ServiceProcess, int]]:
    kafka_port = free_port()  # nothing listens there: Kafka is "down"
    process = ServiceProcess(
        "identity",
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{kafka_port}",
        CAPTCHA_TEST_ANSWER=TEST_ANSWER,
        MONGODB_MAX_POOL_SIZE="1",
    )
    try:
        await process.start()
        yield process, kafka_port
    finally:
        process.stop()
        database = Database(MONGODB, process.database)
        await database.client.drop_database(process.database)
        await database.close()


async def pending(process: ServiceProcess, user_id: str) -> list[dict[str, Any]]:
    database = Database(MONGODB, process.database)
    try:
        doc = await database.raw("users").find_one({"_id": user_id}, {"outbox": 1})
    finally:
        await database.close()
    assert doc is not None
    return list(doc.get("outbox") or [])


async def sign_up_and_log_in(http: httpx.AsyncClient, process: ServiceProcess) -> str:
    """A person's way in while Kafka is down; their user id."""
    email = unique_email("sin-kafka")
    captcha = (await http.post("/captchas")).json()["captcha_id"]
    body = registration(email, captcha_id=captcha, captcha_answer=TEST_ANSWER)
    signed_up = await http.post("/registrations", json=body)
    assert signed_up.status_code == 201, signed_up.text
    user_id = str(signed_up.json()["user_id"])
    outbox = await pending(process, user_id)
    assert [e["topic"] for e in outbox] == [UserRegistered.topic, ActivationRequested.topic]
    token = json.loads(outbox[1]["payload"])["data"]["token"]
    assert (await http.post("/activations", json={"token": token})).status_code == 200
    login = await http.post("/sessions", json={"email": email, "password": body["password"]})
    assert login.status_code == 200, login.text
    assert (await http.get("/.well-known/jwks.json")).json()["keys"]
    return user_id


async def test_identity_serves_without_kafka_and_publishes_once_it_returns(
    identity: tuple[ServiceProcess, int],
) -> None:
    process, kafka_port = identity
    users: list[str] = []
    events: set[str] = set()
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as http:
        started = time.monotonic()
        while time.monotonic() - started < OUTAGE_SECONDS:
            ready = await http.get(f"http://127.0.0.1:{process.port}/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": True, "kafka": False}
            users.append(await sign_up_and_log_in(http, process))
            await asyncio.sleep(1.0)
        outage = time.monotonic() - started
        for user_id in users:
            kept = await pending(process, user_id)
            assert len(kept) == 3  # UserRegistered, ActivationRequested, UserActivated
            events |= {e["event_id"] for e in kept}

        kafka_back = time.monotonic()
        async with forward(kafka_port, _kafka_address()):
            for _ in range(180):  # 90 s at most
                if not [u for u in users if await pending(process, u)]:
                    break
                await asyncio.sleep(0.5)
            published_after = time.monotonic() - kafka_back
            ready = await http.get(f"http://127.0.0.1:{process.port}/readyz")
            assert ready.json()["checks"]["kafka"] is True
    seen = await published(users, KAFKA)
    assert sorted(seen) == sorted(events)  # each one, once
    print(
        f"\nKafka unreachable for {outage:.0f} s from identity's start: readiness 200 throughout, "
        f"{len(users)} sign-ups, activations and logins answered; {len(events)} events kept in "
        f"the outbox, all published {published_after:.1f} s after Kafka answered, each once"
    )


async def published(users: list[str], bootstrap: str) -> list[str]:
    """The ids of the events on identity's topics keyed by these users."""
    keys = {user_id.encode() for user_id in users}
    seen: list[str] = []
    for topic in TOPICS:
        records = await all_records(topic, bootstrap=bootstrap)
        seen += [json.loads(r.value)["event_id"] for r in records if r.key in keys]
    return seen


async def wait_published(process: ServiceProcess, users: list[str], seconds: float = 90) -> float:
    """Seconds until no user's outbox holds an event."""
    started = time.monotonic()
    while [u for u in users if await pending(process, u)]:
        assert time.monotonic() - started < seconds, "events still in the outbox"
        await asyncio.sleep(0.5)
    return time.monotonic() - started


@pytest.fixture
async def private_kafka(tmp_path: Path) -> AsyncIterator[PrivateKafka]:
    # The stack's admin password (conftest.py): identity and the readers log in as that admin.
    broker = PrivateKafka(tmp_path, admin_password=os.environ["KAFKA_SASL_PASSWORD"], users={})
    await broker.start()
    try:
        yield broker
    finally:
        broker.stop()


async def test_identity_answers_while_its_kafka_is_stopped_and_publishes_once_it_is_back(
    private_kafka: PrivateKafka,
) -> None:
    process = ServiceProcess(
        "identity",
        KAFKA_BOOTSTRAP_SERVERS=private_kafka.bootstrap,
        CAPTCHA_TEST_ANSWER=TEST_ANSWER,
        MONGODB_MAX_POOL_SIZE="1",
    )
    await process.start()
    try:
        async with httpx.AsyncClient(base_url=process.url, timeout=30) as http:
            captcha = (await http.post("/captchas")).json()["captcha_id"]
            body = registration(
                unique_email("antes"), captcha_id=captcha, captcha_answer=TEST_ANSWER
            )
            signed_up = await http.post("/registrations", json=body)
            assert signed_up.status_code == 201, signed_up.text
            before = str(signed_up.json()["user_id"])
            await wait_published(process, [before])  # Kafka is up: published at once

            private_kafka.stop()
            users, events = [], set()
            stopped = time.monotonic()
            while time.monotonic() - stopped < STOPPED_SECONDS:
                ready = await http.get(f"http://127.0.0.1:{process.port}/readyz")
                assert ready.status_code == 200, ready.text
                users.append(await sign_up_and_log_in(http, process))
                await asyncio.sleep(2.0)
            for user_id in users:
                events |= {e["event_id"] for e in await pending(process, user_id)}
            await private_kafka.restart()
            back_after = await wait_published(process, users)
        seen = await published([before, *users], private_kafka.bootstrap)
        assert Counter(seen).most_common(1)[0][1] == 1  # nothing twice
        assert events <= set(seen) and len(seen) == len(events) + 2  # nothing lost
        print(
            f"\nKafka stopped for {STOPPED_SECONDS:.0f} s under a running identity: readiness 200, "
            f"{len(users)} sign-ups, activations and logins answered; {len(events)} events kept "
            f"and published {back_after:.1f} s after the broker was back, each once"
        )
    finally:
        await process.stop_and_drop()


def _kafka_address() -> tuple[str, int]:
    host, port = KAFKA.split(",")[0].rsplit(":", 1)
    return host, int(port)
