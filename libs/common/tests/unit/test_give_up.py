"""A handler declared with ``on_give_up`` hears, before the DLQ, of each message the runtime gives
up (its last attempt failed, or a PermanentError) with the decoded event and the error; not of a
message that recovered on a retry, nor of one that does not decode. A hook that keeps failing
does not keep the message from the DLQ."""

from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
from fast_depends import Depends
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker

from common.contracts import UserRegistered
from common.contracts.identity import UserProfile
from common.messaging import Consumers, PermanentError, service_from_context
from common.settings import ServiceSettings
from common.testing import consumers_on_fakes

SETTINGS = ServiceSettings(
    service_name="test", consumer_backoff_seconds=0.0, consumer_max_attempts=3
)


@dataclass
class Service:
    failures_left: int = 0
    permanent: bool = False
    hook_failures_left: int = 0
    attempts: int = 0
    seen: list[str] = field(default_factory=list)
    # What happened, in order: ("given_up", user id, error) and ("dlq", user id, headers).
    log: list[tuple[str, str, Any]] = field(default_factory=list)


ServiceDep = Annotated[Service, Depends(service_from_context)]
consumers = Consumers(group="test-give-up")


async def record_give_up(event: UserRegistered, error: Exception, service: Service) -> None:
    if service.hook_failures_left:
        service.hook_failures_left -= 1
        raise ConnectionError("database still down")
    service.log.append(("given_up", event.data.user_id, error))


@consumers(UserRegistered, on_give_up=record_give_up)
async def remember(event: UserRegistered, service: ServiceDep) -> None:
    """Remember who signed up."""
    service.attempts += 1
    if service.permanent:
        raise PermanentError("refused")
    if service.failures_left:
        service.failures_left -= 1
        raise ConnectionError(f"attempt {service.attempts} failed")
    service.seen.append(event.data.user_id)


def registered(user_id: str = "u1") -> dict[str, Any]:
    profile = UserProfile(
        user_id=user_id,
        email="ana@example.ec",
        given_names="Ana",
        surnames="Pérez",
        id_type="cedula",
        id_number="1710034065",
    )
    return UserRegistered(data=profile).model_dump(mode="json")


async def run(service: Service, payload: dict[str, Any]) -> KafkaBroker:
    broker, _ = consumers_on_fakes(consumers, service, SETTINGS)

    @broker.subscriber(UserRegistered.topic + ".dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        user_id = (body.get("data") or {}).get("user_id")
        service.log.append(("dlq", str(user_id), message.headers))

    async with TestKafkaBroker(broker) as test:
        await test.publish(payload, UserRegistered.topic)
    return broker


async def test_the_last_failed_attempt_is_told_to_the_hook_before_the_dlq() -> None:
    service = Service(failures_left=5)
    await run(service, registered("u7"))
    assert service.attempts == SETTINGS.consumer_max_attempts
    (given_up, dead) = service.log
    assert given_up[:2] == ("given_up", "u7") and dead[:2] == ("dlq", "u7")
    error = given_up[2]
    assert isinstance(error, ConnectionError) and str(error) == "attempt 3 failed"
    assert dead[2]["dlq_error_type"] == "ConnectionError"
    assert "dlq_on_give_up_error" not in dead[2]


async def test_a_permanent_error_is_told_to_the_hook_at_once() -> None:
    service = Service(permanent=True)
    await run(service, registered())
    assert service.attempts == 1
    assert [(kind, type(what).__name__) for kind, _, what in service.log[:1]] == [
        ("given_up", "PermanentError")
    ]
    assert [kind for kind, _, _ in service.log] == ["given_up", "dlq"]


@pytest.mark.parametrize(
    "service, payload, dead",
    [
        (Service(failures_left=2), registered(), []),
        (Service(), {"event_type": "identity.user_registered", "data": {"user_id": 1}}, ["1"]),
    ],
    ids=["recovered-on-a-retry", "malformed"],
)
async def test_no_hook_for_what_recovers_or_does_not_decode(
    service: Service, payload: dict[str, Any], dead: list[str]
) -> None:
    await run(service, payload)
    assert [kind for kind, _, _ in service.log] == ["dlq"] * len(dead)
    assert [user_id for _, user_id, _ in service.log] == dead


async def test_a_hook_failing_once_is_retried() -> None:
    service = Service(failures_left=5, hook_failures_left=1)
    await run(service, registered())
    assert [kind for kind, _, _ in service.log] == ["given_up", "dlq"]


async def test_a_hook_that_keeps_failing_does_not_keep_the_message_from_the_dlq() -> None:
    service = Service(failures_left=5, hook_failures_left=99)
    await run(service, registered("u8"))
    ((kind, user_id, headers),) = service.log
    assert (kind, user_id) == ("dlq", "u8")
    assert headers["dlq_error_type"] == "ConnectionError"
    assert "database still down" in headers["dlq_on_give_up_error"]
    assert service.hook_failures_left == 99 - SETTINGS.consumer_max_attempts
