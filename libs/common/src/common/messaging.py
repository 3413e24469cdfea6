"""Kafka wiring on FastStream: publishing, idempotent consumers, retries, DLQ (docs/design.md §4).

A service declares its consumers on one :class:`Consumers` (a FastStream ``KafkaRouter`` with
one consumer group); a handler is a plain ``async def handler(event: SomeEvent, svc: Dep)``,
importable and testable by calling it. Around every handler, in one middleware
(:class:`ReliableConsumer`):
- the correlation id travels from the Kafka headers into the logs and into events it raises;
- a message already processed by this consumer group (same ``event_id``) is skipped;
- an outage of the database or Kafka (:func:`common.faults.is_transient`) is waited out without
  limit and without committing: such a message never goes to the DLQ;
- other failures are retried with exponential backoff;
- a malformed payload, a :class:`PermanentError`, or a message still failing after the retries
  goes to ``<topic>.dlq`` with the error in its headers, and the consumer moves on;
- before that, a handler declared with ``on_give_up`` hears of it (the decoded event, the error
  and the service): its chance to record the failure and announce it;
- the offset is committed only after all of that (manual acknowledgement).
"""

import functools
import json
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream import BaseMiddleware, Context
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.middlewares import AckPolicy
from pydantic import ValidationError
from pymongo.errors import DuplicateKeyError

from common import context
from common.contracts.base import Event, dead_letter_topic
from common.database import PROCESSED_EVENTS
from common.faults import PermanentError, StillUnavailable, TransientError, retry
from common.kafka_security import broker_security
from common.logging import get_logger
from common.metrics import CONSUME_LATENCY, CONSUMED, DEAD_LETTERED
from common.settings import ServiceSettings

log = get_logger(__name__)

E = TypeVar("E", bound=Event)
__all__ = ["Consumers", "PermanentError", "TransientError", "service_from_context"]


def create_broker(settings: ServiceSettings) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        client_id=settings.service_name,
        graceful_timeout=settings.consumer_drain_seconds,
        security=broker_security(settings),
    )


async def publish_entry(broker: KafkaBroker, entry: dict[str, Any]) -> None:
    """Publish one outbox entry (see :meth:`Event.to_document`)."""
    await broker.publish(
        entry["payload"].encode(),
        entry["topic"],
        key=entry["key"].encode(),
        headers=entry["headers"],
        correlation_id=entry["headers"].get("correlation_id"),
    )


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int = 3,
    replication: int = 1,
    **client: Any,
) -> None:
    """Create our topics and their DLQs up front so consumers never race auto-creation.
    ``client``: the security arguments (common.kafka_security.client_kwargs)."""
    names = sorted({t for topic in topics for t in (topic, dead_letter_topic(topic))})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(n, partitions, replication) for n in names if n not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]


async def _dead_letter(
    broker: KafkaBroker,
    msg: Any,
    headers: dict[str, str],
    group: str,
    exc: Exception,
    notes: dict[str, str],
) -> None:
    raw = msg.raw_message
    dlq_headers = {
        **headers,
        "dlq_original_topic": raw.topic,
        "dlq_original_partition": str(raw.partition),
        "dlq_original_offset": str(raw.offset),
        "dlq_consumer_group": group,
        "dlq_error_type": type(exc).__name__,
        "dlq_error": _error_text(exc),
        "dlq_failed_at": datetime.now(UTC).isoformat(),
        **notes,
    }
    # If this publish fails the exception propagates: the message is not acknowledged and
    # comes back, so nothing is lost while Kafka itself is unavailable.
    await broker.publish(raw.value, dead_letter_topic(raw.topic), key=raw.key, headers=dlq_headers)


# --- consumers declared on a router (the service template) ---------------------------------------

Handler = Callable[..., Awaitable[None]]
# on_give_up(event, error, service): the message is about to go to the DLQ.
GiveUp = Callable[[Any, Exception, Any], Awaitable[None]]


@dataclass(frozen=True)
class _Declared:
    event: type[Event]
    handler: Handler
    description: str
    on_give_up: GiveUp | None = None


class Consumers:
    """One service's consumers: one consumer group, one FastStream ``KafkaRouter``.

    ``@consumers(UserRegistered)`` declares a handler and returns it unchanged; the runtime
    includes :meth:`router` in the broker when the app is built (settings decide the workers).

    ``@consumers(InvoiceIssued, on_give_up=hook)``: when the runtime gives a message of that
    topic up (a :class:`PermanentError`, or the last attempt failed), it first awaits
    ``hook(event, error, service)`` with the decoded event, the handler's last error and the
    service object, then sends the message to the DLQ. Not for a message that does not decode
    (there is no event to speak of). Like a handler it must be idempotent (a message whose DLQ
    publish failed comes back and may be given up again), and it is retried like one; if it
    still fails, the message goes to the DLQ all the same, with ``dlq_on_give_up_error``: a
    hook must not keep a partition from moving on.
    """

    def __init__(self, group: str) -> None:
        self.group = group
        self.declared: list[_Declared] = []

    def __call__(
        self,
        event: type[E],
        description: str = "",
        on_give_up: Callable[[E, Exception, Any], Awaitable[None]] | None = None,
    ) -> Callable[[Handler], Handler]:
        def declare(handler: Handler) -> Handler:
            text = description or (handler.__doc__ or "").strip()
            self.declared.append(_Declared(event, handler, text, on_give_up))
            return handler

        return declare

    @property
    def events(self) -> list[type[Event]]:
        return [d.event for d in self.declared]

    def router(self, settings: ServiceSettings) -> KafkaRouter:
        group = settings.consumer_group or self.group
        # One subscriber per topic: the topic a message came from names its hook.
        hooks = {d.event.topic: d for d in self.declared if d.on_give_up is not None}
        middleware = functools.partial(
            ReliableConsumer, group=group, settings=settings, give_up_hooks=hooks
        )
        router = KafkaRouter(middlewares=[middleware])
        for item in self.declared:
            router.subscriber(
                item.event.topic,
                group_id=group,
                ack_policy=AckPolicy.NACK_ON_ERROR,
                auto_offset_reset="earliest",
                max_workers=settings.consumer_workers,
                title=f"{item.event.topic}:{group}",
                description=item.description,
            )(item.handler)
        return router


def service_from_context(service: Annotated[Any, Context("service")]) -> Any:
    """What ``bootstrap`` built, for handlers (``Annotated[X, Depends(service_from_context)]``)."""
    return service


class ReliableConsumer(BaseMiddleware):
    """Idempotency, retries and the DLQ around every handler of one consumer group."""

    def __init__(
        self,
        msg: Any,
        /,
        *,
        context: Any,
        group: str,
        settings: ServiceSettings,
        give_up_hooks: dict[str, _Declared] | None = None,
    ) -> None:
        super().__init__(msg, context=context)
        self.group, self.settings = group, settings
        self.give_up_hooks = give_up_hooks or {}

    async def consume_scope(self, call_next: Callable[..., Awaitable[Any]], msg: Any) -> Any:
        headers = {k: _text(v) for k, v in (msg.headers or {}).items()}
        event_id = _event_id(msg.body) or headers.get("ce_id")
        context.bind(headers.get("correlation_id"), event_id)
        raw = msg.raw_message
        started = time.perf_counter()
        try:
            await self._once(call_next, msg, raw.topic, event_id)
        except StillUnavailable:
            # An outage outlasted a retry round: not committed, Kafka hands it to us again.
            log.warning("message_handed_back", topic=raw.topic, offset=raw.offset)
            raise
        except Exception as exc:
            notes = await self._give_up(msg, raw.topic, exc)
            await _dead_letter(self.context.get("broker"), msg, headers, self.group, exc, notes)
            CONSUMED.labels(raw.topic, self.group, "dead_lettered").inc()
            DEAD_LETTERED.labels(raw.topic, self.group).inc()
            log.error("message_dead_lettered", topic=raw.topic, offset=raw.offset, error=str(exc))
        finally:
            CONSUME_LATENCY.labels(raw.topic, self.group).observe(time.perf_counter() - started)
        return None

    async def _once(
        self, call_next: Callable[..., Awaitable[Any]], msg: Any, topic: str, event_id: str | None
    ) -> None:
        """Look up, handle, record: each step inside the retry, so a database outage at any of
        them is waited out instead of sending the message to the DLQ."""
        processed = self.context.get("runtime").database[PROCESSED_EVENTS]
        record = {"consumer": self.group, "event_id": event_id}
        seen: list[bool] = []

        async def look_up() -> None:
            seen.append(bool(event_id and await processed.find_one(record, {"_id": 1})))

        async def work() -> None:
            try:
                await call_next(msg)
            except ValidationError as exc:
                raise PermanentError(f"malformed {topic} message: {exc}") from exc

        async def remember() -> None:
            try:
                await processed.insert_one(record | {"processed_at": datetime.now(UTC)})
            except DuplicateKeyError:
                pass  # a concurrent replay got here first; the handler is idempotent anyway

        await retry(look_up, self.settings, topic, self.group)
        if seen[-1]:
            CONSUMED.labels(topic, self.group, "duplicate").inc()
            return
        await retry(work, self.settings, topic, self.group)
        if event_id:
            await retry(remember, self.settings, topic, self.group)
        CONSUMED.labels(topic, self.group, "processed").inc()

    async def _give_up(self, msg: Any, topic: str, exc: Exception) -> dict[str, str]:
        """Run the handler's ``on_give_up``, if any; what became of it, for the DLQ headers."""
        declared = self.give_up_hooks.get(topic)
        if declared is None or declared.on_give_up is None:
            return {}
        try:
            event = declared.event.model_validate_json(msg.body)
        except ValidationError:
            return {}  # malformed: no event to tell the hook about
        hook, service = declared.on_give_up, self.context.get("service")
        try:
            await retry(lambda: hook(event, exc, service), self.settings, topic, self.group)
        except StillUnavailable:
            raise  # the database is down: the message comes back, and the hook runs then
        except Exception as failure:
            log.exception("give_up_hook_failed", topic=topic, error=str(failure))
            return {"dlq_on_give_up_error": _error_text(failure)}
        return {}


def _event_id(body: bytes) -> str | None:
    try:
        value = json.loads(body).get("event_id")
    except (ValueError, AttributeError):
        return None
    return str(value) if value else None
