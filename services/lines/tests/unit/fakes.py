"""In-memory stand-ins for lines' ports (``lines/ports.py``) with the stores' semantics: a
version check on save, the unique slot and holder keys, counters, the directory's merge and the
invoices' rank. Use cases and routes run on them in milliseconds; nothing connects."""

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI

from common.auth import TokenVerifier
from lines.adapters.store import holder, slot
from lines.app import build
from lines.bootstrap import Lines, bootstrap
from lines.domain.directory import InvoiceSummary, Subscription
from lines.domain.events import CodeRequested, DomainEvent
from lines.domain.lines import Line
from lines.ports import ConcurrentUpdate, DuplicateLine, NumberHeld
from lines.settings import LinesSettings
from tests.support import access_key_for, access_token_for

# 10:00 in Ecuador (15:00 UTC): the same calendar day in both.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SETTINGS = LinesSettings(app_env="test")

MOBILE = "+593991234567"
FIXED = "+59322345678"
CONTACT = "+593987654321"


class FakeLines:
    """Lines by id; the events ``add``/``save`` were handed land in ``outbox``."""

    def __init__(self) -> None:
        self.rows: dict[str, Line] = {}
        self.outbox: list[DomainEvent] = []
        # The next saves find the line changed by "someone else" (ConcurrentUpdate).
        self.conflicts = 0

    def _check_unique(self, line: Line) -> None:
        for other in self.rows.values():
            if other.line_id == line.line_id:
                continue
            if slot(other) == slot(line):
                raise DuplicateLine()
            if holder(other) == holder(line):
                raise NumberHeld()

    async def add(self, line: Line) -> None:
        self._check_unique(line)
        self.outbox += line.events
        line.version, line.events = 1, []
        self.rows[line.line_id] = copy.deepcopy(line)

    async def save(self, line: Line) -> None:
        stored = self.rows[line.line_id]
        if self.conflicts:
            self.conflicts -= 1
            stored.version += 1
        if stored.version != line.version:
            raise ConcurrentUpdate(line.line_id)
        self._check_unique(line)
        self.outbox += line.events
        line.version, line.events = line.version + 1, []
        self.rows[line.line_id] = copy.deepcopy(line)

    async def by_id(self, line_id: str) -> Line | None:
        return copy.deepcopy(self.rows.get(line_id))

    async def live(self, user_id: str, number: str) -> Line | None:
        found = [x for x in self.rows.values() if slot(x) == f"{user_id}|{number}"]
        return copy.deepcopy(found[0]) if found else None

    async def of_user(self, user_id: str) -> list[Line]:
        found = [x for x in self.rows.values() if x.user_id == user_id and x.is_live]
        return copy.deepcopy(sorted(found, key=lambda x: (x.created_at, x.line_id)))

    async def holders(self, number: str) -> list[Line]:
        found = [x for x in self.rows.values() if x.number == number]
        return copy.deepcopy([x for x in found if x.status.value == "verified"])

    def events_of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.outbox if isinstance(e, kind)]


class FakeCounters:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.days: dict[str, str] = {}

    async def increment(self, key: str, day: str) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        self.days.setdefault(key, day)
        return self.counts[key]

    async def release(self, key: str) -> None:
        self.counts[key] -= 1

    async def delete_before(self, day: str) -> None:
        for key in [k for k, d in self.days.items() if d < day]:
            del self.counts[key], self.days[key]


class FakeSubscribers:
    def __init__(self) -> None:
        self.rows: dict[str, Subscription] = {}
        self.backfill: tuple[datetime, int] | None = None

    async def record(self, subscription: Subscription) -> None:
        known = self.rows.get(subscription.subscription_id)
        merged = subscription if known is None else known.merged(subscription)
        self.rows[subscription.subscription_id] = merged

    async def of_number(self, number: str) -> list[Subscription]:
        return [s for s in self.rows.values() if s.number == number]

    async def record_many(self, subscriptions: list[Subscription]) -> None:
        for subscription in subscriptions:
            await self.record(subscription)

    async def backfilled(self) -> bool:
        return self.backfill is not None

    async def mark_backfilled(self, at: datetime, count: int) -> None:
        self.backfill = (at, count)


class FakeInvoices:
    def __init__(self) -> None:
        self.rows: dict[str, InvoiceSummary] = {}

    async def record(self, number: str, invoice: InvoiceSummary) -> None:
        known = self.rows.get(number)
        if known is None or known.rank < invoice.rank:
            self.rows[number] = invoice

    async def latest(self, number: str) -> InvoiceSummary | None:
        return self.rows.get(number)


@dataclass
class FakeHistory:
    events: list[Subscription] = field(default_factory=list)
    reads: int = 0

    async def subscriptions(self) -> AsyncIterator[Subscription]:
        self.reads += 1
        for subscription in self.events:
            yield subscription


def subscription(number: str = MOBILE, service_type: str = "movil", **changes: Any) -> Subscription:
    values: dict[str, Any] = {
        "subscription_id": f"sub-{number}-{service_type}",
        "account_id": "acc-1",
        "number": number,
        "service_type": service_type,
        "plan_code": "MOVIL-30",
        "plan_name": "Plan Móvil 30",
        "start_date": date(2026, 1, 1),
        "end_date": None,
        "contact_mobile": CONTACT,
        "as_of": datetime(2026, 1, 1, tzinfo=UTC),
    }
    return Subscription(**(values | changes))


def invoice(account_id: str = "acc-1", period: str = "2026-02", **changes: Any) -> InvoiceSummary:
    values: dict[str, Any] = {
        "invoice_id": f"inv-{account_id}-{period}",
        "account_id": account_id,
        "period": period,
        "invoice_number": "001-001-000000123",
        "total": Decimal("25.76"),
        "balance_due": Decimal("30.76"),
        "issue_date": date.fromisoformat(f"{period}-01"),
    }
    return InvoiceSummary(**(values | changes))


@dataclass
class Fakes:
    lines: FakeLines = field(default_factory=FakeLines)
    counters: FakeCounters = field(default_factory=FakeCounters)
    subscribers: FakeSubscribers = field(default_factory=FakeSubscribers)
    invoices: FakeInvoices = field(default_factory=FakeInvoices)
    history: FakeHistory = field(default_factory=FakeHistory)
    now: datetime = NOW
    settings: LinesSettings = SETTINGS

    def parts(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "counters": self.counters,
            "subscribers": self.subscribers,
            "invoices": self.invoices,
            "history": self.history,
            "verifier": TokenVerifier(access_key_for),
            "clock": lambda: self.now,
        }

    def service(self) -> Lines:
        return bootstrap(self.settings, **self.parts())

    def app(self) -> FastAPI:
        """The app on the fakes (its lifespan never entered: nothing connects)."""
        return build(self.settings, **self.parts())

    async def subscribe(self, *subscriptions: Subscription) -> None:
        for item in subscriptions or (subscription(),):
            await self.subscribers.record(item)

    def sms(self) -> list[CodeRequested]:
        """The codes sent so far (CodeRequested events), oldest first."""
        return self.lines.events_of(CodeRequested)


def bearer(user_id: str, roles: tuple[str, ...] = ("customer",)) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token_for(list(roles), subject=user_id)}"}
