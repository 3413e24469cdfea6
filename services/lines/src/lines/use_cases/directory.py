"""billing's events into lines' projections: the subscriber directory and latest invoices."""

from collections.abc import Iterable
from datetime import datetime

from common.logging import get_logger
from lines.domain.directory import InvoiceSummary, Subscription
from lines.ports import LinesService

log = get_logger(__name__)


async def record_subscription(svc: LinesService, subscription: Subscription) -> None:
    """SubscriptionActivated or SubscriptionEnded: merged, so order and replays do not matter."""
    await svc.subscribers.record(subscription)


async def record_invoice(
    svc: LinesService, summaries: Iterable[tuple[str, InvoiceSummary]]
) -> None:
    """InvoiceIssued: each number billed keeps its newest invoice."""
    for number, summary in summaries:
        await svc.invoices.record(number, summary)


async def backfill_directory(svc: LinesService, now: datetime) -> int:
    """At start-up, until one has completed on this database: every subscription event billing
    published so far, applied like the consumer applies them. Returns how many."""
    if await svc.subscribers.backfilled():
        return 0
    count = 0
    async for subscription in svc.history.subscriptions():
        await svc.subscribers.record(subscription)
        count += 1
    await svc.subscribers.mark_backfilled(now, count)
    log.info("directory_backfilled", events=count)
    return count


async def clean_up_counters(svc: LinesService, now: datetime) -> None:
    """The daily SMS counters of past UTC days count for nothing any more."""
    await svc.counters.delete_before(now.date().isoformat())
