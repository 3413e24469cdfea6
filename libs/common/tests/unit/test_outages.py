"""An outage of the database or Kafka is waited out, never dead-lettered: the handler, the
processed-event lookup and its record are all retried without limit (many more times than
CONSUMER_MAX_ATTEMPTS), and a round that lasts too long hands the message back uncommitted.
Only failures of the message itself go to the DLQ."""

from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from fast_depends import Depends
from faststream.kafka import KafkaMessage, TestKafkaBroker
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    ExecutionTimeout,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from common.contracts import UserRegistered
from common.contracts.identity import UserProfile
from common.faults import (
    PermanentError,
    StillUnavailable,
    TransientError,
    backoff,
    is_transient,
    retry,
)
from common.messaging import Consumers, service_from_context
from common.settings import ServiceSettings
from common.testing import InMemoryProcessedEvents, consumers_on_fakes

SETTINGS = ServiceSettings(
    service_name="test", consumer_backoff_seconds=0.0, consumer_max_attempts=3
)
OUTAGE = 20  # failures in a row: far more than consumer_max_attempts


class StoreDown(Exception):
    """What a service's store raises, wrapping the driver's error (notifier's StoreUnavailable)."""


@dataclass
class Service:
    failures: list[Exception] = field(default_factory=list)
    calls: int = 0
    seen: list[str] = field(default_factory=list)


ServiceDep = Annotated[Service, Depends(service_from_context)]
consumers = Consumers(group="test-outages")


@consumers(UserRegistered)
async def remember(event: UserRegistered, service: ServiceDep) -> None:
    """Remember who signed up."""
    service.calls += 1
    if service.failures:
        raise service.failures.pop(0)
    service.seen.append(event.data.user_id)


@dataclass
class FlakyProcessed(InMemoryProcessedEvents):
    """processed_events whose lookups and inserts fail while the database is 'down'."""

    lookups_failing: int = 0
    inserts_failing: int = 0

    async def find_one(self, query: dict[str, Any], _: Any = None) -> dict[str, Any] | None:
        if self.lookups_failing:
            self.lookups_failing -= 1
            raise ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused")
        return await super().find_one(query)

    async def insert_one(self, record: dict[str, Any]) -> None:
        if self.inserts_failing:
            self.inserts_failing -= 1
            raise AutoReconnect("connection closed")
        if await super().find_one({"event_id": record["event_id"]}):
            raise DuplicateKeyError("E11000")
        await super().insert_one(record)


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


async def run(
    service: Service,
    processed: InMemoryProcessedEvents | None = None,
    settings: ServiceSettings = SETTINGS,
    payload: dict[str, Any] | None = None,
) -> tuple[list[dict[str, str]], InMemoryProcessedEvents]:
    broker, runtime = consumers_on_fakes(consumers, service, settings)
    if processed is not None:
        runtime.processed = processed
    dead: list[dict[str, str]] = []

    @broker.subscriber(UserRegistered.topic + ".dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        dead.append(message.headers)

    async with TestKafkaBroker(broker) as test:
        await test.publish(payload or registered(), UserRegistered.topic)
    return dead, runtime.processed


def outage(error: type[Exception] = AutoReconnect) -> list[Exception]:
    return [error("database unreachable") for _ in range(OUTAGE)]


@pytest.mark.parametrize(
    "error", [AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError, TransientError]
)
async def test_a_handler_waits_out_a_database_outage_instead_of_the_dlq(
    error: type[Exception],
) -> None:
    service = Service(failures=outage(error))
    dead, processed = await run(service)
    assert dead == []
    assert service.seen == ["u1"] and service.calls == OUTAGE + 1
    assert len(processed.records) == 1


async def test_an_outage_wrapped_by_the_service_store_is_waited_out_too() -> None:
    failures: list[Exception] = []
    for _ in range(OUTAGE):
        try:
            raise StoreDown("deliveries unavailable") from AutoReconnect("reset by peer")
        except StoreDown as wrapped:
            failures.append(wrapped)
    service = Service(failures=failures)
    dead, _ = await run(service)
    assert dead == [] and service.seen == ["u1"]


async def test_the_processed_event_lookup_is_inside_the_retry() -> None:
    service = Service()
    dead, processed = await run(service, FlakyProcessed(lookups_failing=OUTAGE))
    assert dead == []
    assert service.seen == ["u1"] and service.calls == 1
    assert len(processed.records) == 1


async def test_recording_the_event_is_retried_without_running_the_handler_again() -> None:
    service, payload = Service(), registered()
    dead, processed = await run(service, FlakyProcessed(inserts_failing=OUTAGE), payload=payload)
    assert dead == [] and service.calls == 1
    assert [r["event_id"] for r in processed.records] == [payload["event_id"]]


async def test_a_failure_of_the_message_itself_still_goes_to_the_dlq_after_the_attempts() -> None:
    service = Service(failures=[KeyError("items") for _ in range(OUTAGE)])
    dead, processed = await run(service)
    assert [h["dlq_error_type"] for h in dead] == ["KeyError"]
    assert service.calls == SETTINGS.consumer_max_attempts and processed.records == []


async def test_an_outage_between_failures_does_not_use_up_the_attempts() -> None:
    failures: list[Exception] = [KeyError("a"), *outage(), KeyError("b")]
    service = Service(failures=failures)
    dead, _ = await run(service)
    assert dead == [] and service.seen == ["u1"]


async def test_an_outage_longer_than_a_round_hands_the_message_back_uncommitted() -> None:
    settings = SETTINGS.model_copy(update={"consumer_retry_round_seconds": 0.0})
    service = Service(failures=outage())
    broker, runtime = consumers_on_fakes(consumers, service, settings)
    dead: list[Any] = []

    @broker.subscriber(UserRegistered.topic + ".dlq")
    async def dlq(body: dict[str, Any]) -> None:
        dead.append(body)

    # The exception reaches FastStream, which nacks (seeks back to the message) instead of
    # committing, so the next poll reads it again; the in-memory broker re-raises it here.
    async with TestKafkaBroker(broker) as test:
        with pytest.raises(StillUnavailable):
            await test.publish(registered(), UserRegistered.topic)
    assert dead == [] and runtime.processed.records == [] and service.calls == 1


async def test_retry_raises_still_unavailable_after_a_round() -> None:
    settings = SETTINGS.model_copy(update={"consumer_retry_round_seconds": 0.0})

    async def down() -> None:
        raise NetworkTimeout("timed out")

    with pytest.raises(StillUnavailable) as raised:
        await retry(down, settings, "t", "g")
    assert isinstance(raised.value.__cause__, NetworkTimeout)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (AutoReconnect("x"), True),
        (ServerSelectionTimeoutError("x"), True),
        (ExecutionTimeout("x"), True),  # PyMongoError.timeout
        (OperationFailure("x", 91, {"errorLabels": ["RetryableWriteError"]}), True),
        (KafkaConnectionError("x"), True),
        (TransientError("x"), True),
        (OperationFailure("bad query", 2), False),
        (DuplicateKeyError("E11000"), False),
        (MessageSizeTooLargeError(), False),
        (ConnectionError("smtp refused"), False),  # the handler's own dependency: attempts
        (PermanentError("x"), False),
        (ValueError("x"), False),
    ],
)
def test_what_counts_as_an_outage(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_a_permanent_error_caused_by_an_outage_is_permanent() -> None:
    error = PermanentError("refused")
    error.__cause__ = AutoReconnect("x")
    assert not is_transient(error)


def test_backoff_doubles_up_to_its_cap() -> None:
    settings = SETTINGS.model_copy(
        update={"consumer_backoff_seconds": 0.5, "consumer_backoff_max_seconds": 4.0}
    )
    assert [backoff(settings, n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff(settings, 10_000) == 4.0
