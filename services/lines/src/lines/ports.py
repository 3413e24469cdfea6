"""What the use cases need from the outside world, as Protocols; ``adapters/`` implements them
(MongoDB, Kafka) and ``tests/unit/fakes.py`` fakes them."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from lines.domain.directory import InvoiceSummary, Subscription
from lines.domain.lines import Line
from lines.domain.policy import Policy


class ConcurrentUpdate(Exception):
    """Someone else saved the line first; the caller reloads and tries again."""


class DuplicateLine(Exception):
    """The user already has a live line with this number (the store's unique slot)."""


class NumberHeld(Exception):
    """Another user holds this number exclusively (the store's unique holder key): take it
    over, then save again."""


class LineRepository(Protocol):
    async def add(self, line: Line) -> None:
        """Insert with its events; raises DuplicateLine."""

    async def save(self, line: Line) -> None:
        """State and new events in one write, if the version is unchanged; else
        ConcurrentUpdate (NumberHeld when another user holds the number exclusively)."""

    async def by_id(self, line_id: str) -> Line | None: ...

    async def live(self, user_id: str, number: str) -> Line | None:
        """The user's pending or verified line of this number."""

    async def of_user(self, user_id: str) -> list[Line]:
        """The user's pending and verified lines, oldest first."""

    async def holders(self, number: str) -> list[Line]:
        """The verified lines of this number (of any user)."""


class SendCounters(Protocol):
    """Counters of SMS per day (the daily caps), changed atomically."""

    async def increment(self, key: str, day: str) -> int:
        """Add one; the count after it."""

    async def release(self, key: str) -> None:
        """Take back one reserved by ``increment`` (the SMS was not sent)."""

    async def delete_before(self, day: str) -> None: ...


class SubscriberDirectory(Protocol):
    async def record(self, subscription: Subscription) -> None:
        """Merge into what is known of this subscription (Subscription.merged): any order of
        events gives the same document."""

    async def of_number(self, number: str) -> list[Subscription]: ...

    async def record_many(self, subscriptions: list[Subscription]) -> None:
        """``record`` for many distinct subscriptions at once (the start-up backfill)."""

    async def backfilled(self) -> bool:
        """Whether a backfill from billing's topics has completed on this database."""

    async def mark_backfilled(self, at: datetime, count: int) -> None: ...


class SubscriberHistory(Protocol):
    def subscriptions(self) -> AsyncIterator[Subscription]:
        """Every subscription event billing has published so far, from the beginning."""


class InvoiceDirectory(Protocol):
    async def record(self, number: str, invoice: InvoiceSummary) -> None:
        """Keep it if it ranks above the number's current one (InvoiceSummary.rank)."""

    async def latest(self, number: str) -> InvoiceSummary | None: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class LinesService(Protocol):
    """The service object as the use cases see it (``bootstrap.Lines`` implements it)."""

    policy: Policy
    lines: LineRepository
    counters: SendCounters
    subscribers: SubscriberDirectory
    invoices: InvoiceDirectory
    history: SubscriberHistory
