"""Settings every service reads from the environment (pydantic-settings)."""

from typing import Literal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from common.kafka_security import KafkaSecurity

# Production topics survive the loss of a broker (min.insync.replicas=2 on the cluster).
PRODUCTION_MIN_REPLICATION = 3


class ServiceSettings(KafkaSecurity):
    """KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_* come from KafkaSecurity."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str
    app_env: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Topics are created at start-up if missing; production needs 3 replicas or more (refused
    # below that) or pre-creates them.
    kafka_topic_partitions: int = 3
    kafka_topic_replication: int = 1
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = ""
    # FerretDB 1.24 (the local and CI database) runs a conditional update as a read and then a
    # write, so two concurrent compare-and-set updates can both "win". One connection per
    # process serialises them; the local stack sets 1. MongoDB is atomic per document.
    mongodb_max_pool_size: int = 100
    portal_base_url: str = "http://127.0.0.1:8080"
    # Partitions of a topic a consumer works on at once (order is kept within a partition).
    consumer_workers: int = 3
    # The consumer group, when not the service's own name: a second instance that must see every
    # event itself (a test's own process, a rebuild of a projection) instead of sharing the load.
    consumer_group: str = ""
    # A message that fails for its own sake (not an outage) is tried this many times, with
    # exponential backoff, before the DLQ (common/faults.py).
    consumer_max_attempts: int = 5
    consumer_backoff_seconds: float = 0.2
    consumer_backoff_max_seconds: float = 10.0
    # An outage of the database or Kafka is waited out without limit; after this long the message
    # is handed back to Kafka uncommitted and read again (below max.poll.interval.ms, 300 s).
    consumer_retry_round_seconds: float = 60.0
    # processed_events older than this are deleted (hourly). Keep it above the topics' retention
    # (7 days locally): a group re-reading a topic still recognises what it processed.
    processed_events_retention_days: float = 30.0
    # Safety net for events whose writer died before publishing them (see common/outbox.py).
    outbox_sweep_seconds: float = 30.0
    # An outbox entry that fails this many times while Kafka answers (too big, a topic that does
    # not exist or may not be written) is parked in outbox_parked with its error.
    outbox_max_attempts: int = 5
    # The whole shutdown after SIGTERM: HTTP requests drain in the first half (consumers keep
    # working meanwhile), in-flight messages finish in the second; the pod's grace period covers
    # it plus the preStop pause (deploy/k8s/base/service/deployment.yaml).
    shutdown_grace_seconds: float = 20.0

    @property
    def http_drain_seconds(self) -> int:
        return max(1, int(self.shutdown_grace_seconds / 2))

    @property
    def consumer_drain_seconds(self) -> float:
        return max(1.0, self.shutdown_grace_seconds - self.http_drain_seconds)

    @model_validator(mode="after")
    def _kafka_in_production(self) -> "ServiceSettings":
        """Refuse to start in production with Kafka in clear text or topics on one replica."""
        if self.app_env != "production":
            return self
        problem = self.kafka_tls_problem()
        if problem:
            raise ValueError(problem)
        if self.kafka_topic_replication < PRODUCTION_MIN_REPLICATION:
            raise ValueError(
                f"KAFKA_TOPIC_REPLICATION={self.kafka_topic_replication} is refused when "
                f"APP_ENV=production: topics need {PRODUCTION_MIN_REPLICATION} replicas or more"
            )
        return self

    @property
    def database_name(self) -> str:
        return self.mongodb_database or self.service_name
