"""The service object: lines' parts, built without I/O (clients connect on first use; the
directory backfill is a start-up step, see app.SPEC)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.auth import TokenVerifier, jwks_verifier
from common.kafka_security import client_kwargs
from common.revocations import RevocationList
from common.service import Runtime
from lines import ports
from lines.adapters.directory import LatestInvoiceStore, SubscriberStore
from lines.adapters.history import KafkaSubscriberHistory
from lines.adapters.store import LineStore, SendCounterStore
from lines.domain.policy import Policy
from lines.settings import LinesSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Lines:
    """Everything the routes, consumers, start-up steps and loops are given
    (ports.LinesService)."""

    runtime: Runtime
    settings: LinesSettings
    policy: Policy
    verifier: TokenVerifier
    lines: ports.LineRepository
    counters: ports.SendCounters
    subscribers: ports.SubscriberDirectory
    invoices: ports.InvoiceDirectory
    history: ports.SubscriberHistory
    clock: ports.Clock


def bootstrap(settings: LinesSettings | None = None, **overrides: Any) -> Lines:
    """Every part can be replaced by name, e.g. ``bootstrap(settings, lines=FakeLines())``."""
    settings = settings or LinesSettings()
    runtime = overrides.pop("runtime", None) or Runtime.create(settings)
    database = runtime.database
    parts: dict[str, Any] = {
        "policy": settings.policy(),
        "verifier": jwks_verifier(settings.identity_jwks_url, RevocationList()),
        "lines": LineStore(database),
        "counters": SendCounterStore(database),
        "subscribers": SubscriberStore(database),
        "invoices": LatestInvoiceStore(database),
        "history": KafkaSubscriberHistory(
            settings.kafka_bootstrap_servers,
            settings.backfill_timeout_seconds,
            client_kwargs(settings),
        ),
        "clock": utc_now,
    } | overrides
    return Lines(runtime=runtime, settings=settings, **parts)
