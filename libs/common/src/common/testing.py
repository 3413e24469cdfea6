"""In-memory stand-ins of the runtime for unit tests of consumers (no Kafka, no database).

``consumers_on_fakes`` puts a service's :class:`~common.messaging.Consumers` on a broker for
FastStream's ``TestKafkaBroker``, with the service object and an in-memory ``processed_events``
in the broker context, as ``build_app`` does with the real ones.
"""

from dataclasses import dataclass, field
from typing import Any

from faststream.kafka import KafkaBroker

from common.database import PROCESSED_EVENTS
from common.documents import DocumentMissing, DocumentUnavailable, check
from common.messaging import Consumers
from common.settings import ServiceSettings

# Kafka settings production accepts (TLS, a principal, 3 replicas), for tests of other
# production rules: ``MySettings(app_env="production", **PRODUCTION_KAFKA)``.
PRODUCTION_KAFKA: dict[str, Any] = {
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_username": "tests",
    "kafka_sasl_password": "not-a-real-password",
    "kafka_topic_replication": 3,
}


@dataclass
class InMemoryProcessedEvents:
    """processed_events as a list (the real one is a collection with a unique index)."""

    records: list[dict[str, Any]] = field(default_factory=list)

    async def find_one(self, query: dict[str, Any], _: Any = None) -> dict[str, Any] | None:
        return next((r for r in self.records if r.items() >= query.items()), None)

    async def insert_one(self, record: dict[str, Any]) -> None:
        self.records.append(record)


@dataclass
class InMemoryRuntime:
    """What ReliableConsumer reads from the runtime: the processed-events collection."""

    processed: InMemoryProcessedEvents = field(default_factory=InMemoryProcessedEvents)

    @property
    def database(self) -> dict[str, InMemoryProcessedEvents]:
        return {PROCESSED_EVENTS: self.processed}


def consumers_on_fakes(
    consumers: Consumers, service: Any, settings: ServiceSettings, broker: KafkaBroker | None = None
) -> tuple[KafkaBroker, InMemoryRuntime]:
    broker = broker or KafkaBroker()
    runtime = InMemoryRuntime()
    broker.context.set_global("runtime", runtime)
    broker.context.set_global("service", service)
    broker.include_router(consumers.router(settings))
    return broker, runtime


@dataclass
class FakeDocuments:
    """billing's documents as common.documents serves them to rendering and notifier: the
    bytes checked against the event (DocumentMismatch), DocumentMissing for an unknown clave;
    billing is down (DocumentUnavailable) for the first ``outages`` calls."""

    served: dict[str, bytes] = field(default_factory=dict)
    outages: int = 0
    fetched: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.fetched)

    async def authorized_xml(self, access_key: str, sha256: str, size: int) -> bytes:
        self.fetched.append(access_key)
        if self.outages:
            self.outages -= 1
            raise DocumentUnavailable("billing answered 503")
        if access_key not in self.served:
            raise DocumentMissing(f"billing has no authorized invoice with clave {access_key}")
        return check(self.served[access_key], sha256, size)
