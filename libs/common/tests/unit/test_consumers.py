"""The runtime's consumer template on FastStream's in-memory broker: a handler declared on
``Consumers`` gets its service through ``Depends``, runs once per event id, is retried on a
transient error and dead-lettered on a malformed or permanently failing message."""

from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
from fast_depends import Depends
from faststream.kafka import KafkaBroker, TestKafkaBroker

from common.contracts import UserRegistered
from common.contracts.identity import UserProfile
from common.messaging import Consumers, PermanentError, service_from_context
from common.settings import ServiceSettings
from common.testing import InMemoryRuntime, consumers_on_fakes

SETTINGS = ServiceSettings(
    service_name="test", consumer_backoff_seconds=0.0, consumer_max_attempts=3
)


@dataclass
class Service:
    seen: list[str] = field(default_factory=list)
    failures_left: int = 0
    permanent: bool = False


ServiceDep = Annotated[Service, Depends(service_from_context)]
consumers = Consumers(group="test-group")


@consumers(UserRegistered)
async def remember(event: UserRegistered, service: ServiceDep) -> None:
    """Remember who signed up."""
    if service.permanent:
        raise PermanentError("refused")
    if service.failures_left:
        service.failures_left -= 1
        raise ConnectionError("database blinked")
    service.seen.append(event.data.user_id)


def registered(user_id: str = "u1") -> UserRegistered:
    profile = UserProfile(
        user_id=user_id,
        email="ana@example.ec",
        given_names="Ana",
        surnames="Pérez",
        id_type="cedula",
        id_number="1710034065",
    )
    return UserRegistered(data=profile)


def broker_for(service: Service) -> tuple[KafkaBroker, InMemoryRuntime]:
    return consumers_on_fakes(consumers, service, SETTINGS)


async def test_a_handler_is_a_plain_function() -> None:
    service = Service()
    await remember(registered("u9"), service)
    assert service.seen == ["u9"]


async def test_an_event_is_handled_once_per_event_id() -> None:
    service = Service()
    broker, runtime = broker_for(service)
    event = registered()
    async with TestKafkaBroker(broker) as test:
        for _ in range(2):
            await test.publish(event.model_dump(mode="json"), UserRegistered.topic)
    assert service.seen == ["u1"]
    assert runtime.processed.records[0]["event_id"] == str(event.event_id)
    assert runtime.processed.records[0]["consumer"] == "test-group"


async def test_a_transient_failure_is_retried() -> None:
    service = Service(failures_left=2)
    broker, _ = broker_for(service)
    async with TestKafkaBroker(broker) as test:
        await test.publish(registered().model_dump(mode="json"), UserRegistered.topic)
    assert service.seen == ["u1"]


@pytest.mark.parametrize(
    "service, body",
    [
        (Service(), {"event_type": "identity.user_registered", "data": {"user_id": 1}}),
        (Service(permanent=True), None),
        (Service(failures_left=5), None),
    ],
    ids=["malformed", "permanent", "still-failing"],
)
async def test_what_cannot_be_handled_goes_to_the_dead_letter_topic(
    service: Service, body: dict[str, Any] | None
) -> None:
    broker, runtime = broker_for(service)
    dead: list[Any] = []

    @broker.subscriber(UserRegistered.topic + ".dlq")
    async def dlq(message: dict[str, Any]) -> None:
        dead.append(message)

    payload = body if body is not None else registered().model_dump(mode="json")
    async with TestKafkaBroker(broker) as test:
        await test.publish(payload, UserRegistered.topic)
    assert len(dead) == 1
    assert service.seen == []
    assert runtime.processed.records == []  # it may be replayed from the DLQ
