"""Kafka security on a private broker configured like the local stack's (tests/kafka_private.py):
SASL/SCRAM users, the ACLs scripts/kafka_acls.py derives from the services' code, applied the
way stack.sh applies them. A service principal publishes and consumes what its code declares,
and is refused the rest; a wrong password is refused at the door."""

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)
from pydantic import SecretStr

from common.contracts import (
    InvoiceIssued,
    LineRegistered,
    PasswordResetRequested,
    SessionsRevoked,
    UserRegistered,
)
from common.kafka_security import client_kwargs
from common.messaging import create_broker, ensure_topics
from common.settings import ServiceSettings
from scripts import kafka_acls
from scripts.kafka_acls import Acl, scram
from tests.kafka_private import PrivateKafka

SERVICES = ("identity", "lines", "billing", "notifier", "rendering")
# Formatted without it: apply must write its credential (a service added to a running stack).
LATE = "rendering"


@pytest.fixture(scope="module")
async def kafka(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrivateKafka]:
    passwords = {name: secrets.token_hex(16) for name in SERVICES}
    broker = PrivateKafka(
        tmp_path_factory.mktemp("kafka"),
        admin_password=secrets.token_hex(16),
        users={k: v for k, v in passwords.items() if k != LATE},
    )
    # The services' code is imported while the broker starts (both take seconds).
    accesses = asyncio.create_task(asyncio.to_thread(kafka_acls.service_access, SERVICES))
    await broker.start()
    broker.users |= passwords  # what the test's principals log in with
    try:
        summary = await kafka_acls.apply(
            broker.bootstrap, broker.admin_password, passwords, await accesses, broker.classpath
        )
        assert summary.startswith(f"credentials written: {LATE};"), summary
        yield broker
    finally:
        broker.stop()


def as_service(kafka: PrivateKafka, name: str, password: str | None = None) -> ServiceSettings:
    return ServiceSettings(
        service_name=name,
        kafka_bootstrap_servers=kafka.bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username=name,
        kafka_sasl_password=SecretStr(password or kafka.users[name]),
    )


async def read_one(
    kafka: PrivateKafka, user: str, topic: str, group: str | None, timeout: float = 30.0
) -> Any:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **client_kwargs(scram(user, kafka.users[user])),
    )
    await consumer.start()
    try:
        if group is None:
            consumer.assign([TopicPartition(topic, 0)])
            await consumer.seek_to_beginning()
        else:
            consumer.subscribe([topic])
        async with asyncio.timeout(timeout):
            record = await consumer.getone()
        if group is not None:
            await consumer.commit()
        return record
    finally:
        await consumer.stop()


async def topic_error(kafka: PrivateKafka, user: str, topic: str) -> int:
    """The broker's answer to ``user`` asking for the topic's metadata (0: allowed)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap, **client_kwargs(scram(user, kafka.users[user]))
    )
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return int(described["error_code"])


async def publish(kafka: PrivateKafka, user: str, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap,
        acks="all",
        enable_idempotence=True,
        **client_kwargs(scram(user, kafka.users[user])),
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"k", partition=0)
    finally:
        await producer.stop()


async def test_a_service_publishes_and_consumes_what_its_code_declares(
    kafka: PrivateKafka,
) -> None:
    lines, billing = as_service(kafka, "lines"), as_service(kafka, "billing")
    # The runtime's own start-up, as lines: its topics and their DLQs, created by itself.
    await ensure_topics(
        kafka.bootstrap, [LineRegistered.topic, InvoiceIssued.topic], **client_kwargs(lines)
    )
    await ensure_topics(kafka.bootstrap, [InvoiceIssued.topic], **client_kwargs(billing))
    # lines publishes with the runtime's broker (FastStream, idempotent producer) ...
    value = uuid.uuid4().bytes
    broker = create_broker(lines)
    await broker.start()
    try:
        await broker.publish(value, LineRegistered.topic, key=b"line", partition=0)
    finally:
        await broker.stop()
    # ... billing consumes it in its group, lines consumes billing's invoices in its own.
    assert (await read_one(kafka, "billing", LineRegistered.topic, "billing")).value == value
    await publish(kafka, "billing", InvoiceIssued.topic, b"invoice")
    assert (await read_one(kafka, "lines", InvoiceIssued.topic, "lines")).value == b"invoice"
    # A consumer group named like a CONSUMER_GROUP override of lines' own.
    assert (await read_one(kafka, "lines", InvoiceIssued.topic, "lines-rebuild")).value
    # A consumer dead-letters what it consumes; the principal added after the format works.
    await publish(kafka, "lines", InvoiceIssued.topic + ".dlq", b"dead")
    await publish(kafka, "rendering", "rendering.ride-rendered", b"ride")
    # Services that verify tokens follow identity's revocations without a group.
    await ensure_topics(
        kafka.bootstrap, [SessionsRevoked.topic], **client_kwargs(as_service(kafka, "identity"))
    )
    await publish(kafka, "identity", SessionsRevoked.topic, b"revoked")
    assert (await read_one(kafka, "billing", SessionsRevoked.topic, None)).value == b"revoked"


async def test_a_service_cannot_read_a_topic_it_does_not_consume(kafka: PrivateKafka) -> None:
    await ensure_topics(
        kafka.bootstrap,
        [PasswordResetRequested.topic, UserRegistered.topic],
        **client_kwargs(as_service(kafka, "identity")),
    )
    await publish(kafka, "identity", PasswordResetRequested.topic, b"reset-token")
    # notifier may (it sends the email) ...
    record = await read_one(kafka, "notifier", PasswordResetRequested.topic, "notifier")
    assert record.value == b"reset-token"
    # ... identity, which writes it, cannot read it back: the broker refuses the fetch ...
    with pytest.raises(TopicAuthorizationFailedError):
        await read_one(kafka, "identity", PasswordResetRequested.topic, None)
    # ... and to lines and billing the topic does not even exist: the broker refuses its
    # metadata, so their consumers never find a partition to fetch (aiokafka keeps retrying).
    refused = TopicAuthorizationFailedError.errno
    assert await topic_error(kafka, "notifier", PasswordResetRequested.topic) == 0
    for user in ("lines", "billing"):
        assert await topic_error(kafka, user, PasswordResetRequested.topic) == refused
    with pytest.raises(TimeoutError):
        await read_one(kafka, "lines", PasswordResetRequested.topic, "lines", timeout=5)


async def test_a_service_cannot_write_another_services_topic(kafka: PrivateKafka) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await publish(kafka, "lines", UserRegistered.topic, b"forged")
    # Nor its own consumed topics (only their DLQs), nor join another service's group.
    with pytest.raises(TopicAuthorizationFailedError):
        await publish(kafka, "lines", InvoiceIssued.topic, b"forged")
    with pytest.raises(GroupAuthorizationFailedError):
        await read_one(kafka, "lines", InvoiceIssued.topic, "billing")


async def test_a_wrong_password_is_refused(kafka: PrivateKafka) -> None:
    wrong = as_service(kafka, "lines", password="not-" + kafka.users["lines"])
    assert not await kafka_acls.authenticates(kafka.bootstrap, wrong)
    assert await kafka_acls.authenticates(kafka.bootstrap, as_service(kafka, "lines"))
    with pytest.raises(KafkaConnectionError):
        await ensure_topics(kafka.bootstrap, [LineRegistered.topic], **client_kwargs(wrong))


async def test_apply_removes_what_the_code_no_longer_asks_for(kafka: PrivateKafka) -> None:
    extra = Acl("User:lines", "TOPIC", PasswordResetRequested.topic, "LITERAL", "READ")
    wanted = kafka_acls.acls(kafka_acls.service_access(["lines"])[0])
    client_settings = scram("admin", kafka.admin_password)
    client = AIOKafkaClient(bootstrap_servers=kafka.bootstrap, **client_kwargs(client_settings))
    await client.bootstrap()
    try:
        assert await kafka_acls.sync_acls(client, [*wanted, extra]) == (1, 0)
        assert await topic_error(kafka, "lines", PasswordResetRequested.topic) == 0
        assert await kafka_acls.sync_acls(client, wanted) == (0, 1)
        assert await kafka_acls.existing_acls(client, "User:lines") == set(wanted)
    finally:
        await client.close()
    refused = TopicAuthorizationFailedError.errno
    assert await topic_error(kafka, "lines", PasswordResetRequested.topic) == refused


def test_the_stack_template_is_the_one_rendered(kafka: PrivateKafka) -> None:
    config = (Path(kafka.workdir) / "server.properties").read_text()
    assert "StandardAuthorizer" in config and "allow.everyone.if.no.acl.found=false" in config
    assert kafka.admin_password in config and "${" not in config
