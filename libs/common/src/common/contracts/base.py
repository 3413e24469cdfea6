"""The envelope every event shares, and its CloudEvents Kafka-binding headers."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from common import context

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DEAD_LETTER_SUFFIX


def _now() -> datetime:
    return datetime.now(UTC)


def _words(class_name: str) -> list[str]:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", class_name).lower().split()


class Event(BaseModel):
    """Envelope: ids and times for tracing; the payload lives in ``data``.

    One declaration per event, its name said once::

        class IdentityEvent(Event, source="identity"): ...        # one base per producer
        class UserRegistered(IdentityEvent, key="user_id"):       # data.user_id is the key
            data: UserProfile

    gives topic ``identity.user-registered`` (one topic per type) and the ``Literal`` event type
    ``identity.user_registered``; the key (the aggregate id) keeps one aggregate's events in
    order in one partition. ``sensitive=True`` marks a topic that carries a secret.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    topic: ClassVar[str]
    source: ClassVar[str]
    key_field: ClassVar[str]
    # Topics that carry secrets (activation tokens, SMS codes): never logged, said in AsyncAPI.
    sensitive: ClassVar[bool] = False
    # Every concrete event type, in declaration order (AsyncAPI, topic checks).
    registered: ClassVar[list[type["Event"]]] = []

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str = ""  # each concrete event sets its own Literal (see __init_subclass__)
    schema_version: int = 1
    occurred_at: datetime = Field(default_factory=_now)
    # Taken from the unit of work that raised the event (HTTP request or consumed event).
    correlation_id: str | None = Field(default_factory=context.correlation_id)
    causation_id: str | None = Field(default_factory=context.causation_id)

    def __init_subclass__(
        cls,
        *,
        source: str | None = None,
        key: str | None = None,
        sensitive: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if source is not None:
            cls.source = source
        if key is None:
            return  # an abstract base (one per producing service)
        words = _words(cls.__name__)
        event_type = f"{cls.source}." + "_".join(words)
        cls.topic = f"{cls.source}." + "-".join(words)
        cls.key_field, cls.sensitive = key, sensitive
        # Pydantic reads the class's own annotations after this hook: a Literal field.
        if "__annotations__" not in cls.__dict__:
            cls.__annotations__ = {}
        cls.__annotations__["event_type"] = Literal.__getitem__(event_type)
        cls.event_type = event_type  # the field's default
        Event.registered.append(cls)

    def key(self) -> str:
        return str(getattr(getattr(self, "data"), self.key_field))  # noqa: B009

    def cloudevents_headers(self) -> dict[str, str]:
        """CloudEvents 1.0 Kafka binding (binary mode): outside consumers need none of our code."""
        headers = {
            "ce_specversion": "1.0",
            "ce_id": str(self.event_id),
            "ce_type": self.event_type,
            "ce_source": f"/{self.source}",
            "ce_time": self.occurred_at.isoformat(),
            "ce_dataschema": f"urn:selfcare:{self.event_type}:v{self.schema_version}",
            "content-type": "application/json",
        }
        if self.correlation_id:
            headers["correlation_id"] = self.correlation_id
            headers["traceparent"] = traceparent(self.correlation_id, self.event_id)
        return headers

    def to_document(self) -> dict[str, Any]:
        """The form kept in an outbox until the relay publishes it."""
        return {
            "event_id": str(self.event_id),
            "topic": self.topic,
            "key": self.key(),
            "headers": self.cloudevents_headers(),
            "payload": self.model_dump_json(),
        }


def traceparent(correlation_id: str, event_id: uuid.UUID) -> str:
    """W3C trace context: the correlation id (32 hex) is the trace, the event the span."""
    trace_id = (
        correlation_id
        if _is_hex(correlation_id, 32)
        else uuid.uuid5(uuid.NAMESPACE_OID, correlation_id).hex
    )
    return f"00-{trace_id}-{event_id.hex[:16]}-01"


def _is_hex(value: str, length: int) -> bool:
    return len(value) == length and all(c in "0123456789abcdef" for c in value)
