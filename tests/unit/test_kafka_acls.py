"""The services' Kafka ACLs, as scripts/kafka_acls.py derives them from the code: least
privilege per principal, and nothing a service needs left out."""

from functools import cache

import pytest

from common.contracts import (
    ActivationRequested,
    InvoiceIssued,
    LineVerificationRequested,
    PasswordResetRequested,
    SessionsRevoked,
)
from common.contracts.base import Event
from scripts import registry
from scripts.kafka_acls import Access, Acl, acls, service_access


@cache
def accesses() -> dict[str, Access]:
    return {access.service: access for access in service_access()}


def allowed(service: str, operation: str, topic: str) -> bool:
    wanted = Acl(f"User:{service}", "TOPIC", topic, "LITERAL", operation)
    return wanted in acls(accesses()[service])


def test_every_registry_service_has_a_principal() -> None:
    assert sorted(accesses()) == sorted(s.name for s in registry.load())


def test_a_service_writes_only_the_topics_it_publishes() -> None:
    for name, access in accesses().items():
        written = {a.name for a in acls(access) if a.operation == "WRITE"}
        dead_letters = {f"{t}.dlq" for t in access.consumes}
        assert written == set(access.publishes) | dead_letters, name
        assert all(topic.startswith(f"{name}.") for topic in access.publishes), name


def test_a_service_reads_only_the_topics_it_consumes_or_follows() -> None:
    for name, access in accesses().items():
        read = {a.name for a in acls(access) if a.resource == "TOPIC" and a.operation == "READ"}
        assert read == set(access.consumes) | set(access.follows), name


def test_services_that_verify_tokens_follow_revocations() -> None:
    followers = {name for name, access in accesses().items() if access.follows}
    assert followers == {"billing", "lines", "notifier"}
    assert all(accesses()[n].follows == (SessionsRevoked.topic,) for n in followers)


def test_secrets_reach_only_the_service_that_sends_them() -> None:
    sensitive = [e.topic for e in Event.registered if e.sensitive]
    assert PasswordResetRequested.topic in sensitive
    assert LineVerificationRequested.topic in sensitive
    for topic in sensitive:
        readers = [name for name in accesses() if allowed(name, "READ", topic)]
        assert readers == ["notifier"], topic
    # Its own publisher cannot read it back either.
    assert not allowed("identity", "READ", ActivationRequested.topic)


@pytest.mark.parametrize("service", ["lines", "rendering", "notifier"])
def test_consumers_of_invoices_cannot_forge_them(service: str) -> None:
    assert allowed(service, "READ", InvoiceIssued.topic)
    assert not allowed(service, "WRITE", InvoiceIssued.topic)
    assert allowed(service, "WRITE", InvoiceIssued.topic + ".dlq")
    assert allowed("billing", "WRITE", InvoiceIssued.topic)


def test_groups_are_the_services_own() -> None:
    for name, access in accesses().items():
        groups = {(a.name, a.pattern) for a in acls(access) if a.resource == "GROUP"}
        expected = {(name, "LITERAL"), (f"{name}-", "PREFIXED")} if access.group else set()
        assert access.group in (None, name)
        assert groups == expected, name


def test_the_runtime_can_create_every_topic_it_uses_and_its_dlq() -> None:
    for access in accesses().values():
        created = {a.name for a in acls(access) if a.operation == "CREATE"}
        described = {a.name for a in acls(access) if a.operation == "DESCRIBE"}
        used = {*access.publishes, *access.consumes}
        assert created == described == used | {f"{t}.dlq" for t in used}


def test_every_consumed_topic_has_a_publisher() -> None:
    published = {t for access in accesses().values() for t in access.publishes}
    for name, access in accesses().items():
        assert {*access.consumes, *access.follows} <= published, name
