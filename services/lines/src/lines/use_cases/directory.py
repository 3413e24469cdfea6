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


# Subscriptions merged in memory before they are written: bounded memory on a long history.
BACKFILL_BATCH = 1000


async def backfill_directory(svc: LinesService, now: datetime) -> int:
    """At start-up, until one has completed on this database: every subscription event billing
    published so far, applied like the consumer applies them. Returns how many."""
    if await svc.subscribers.backfilled():
        return 0
    count, batch = 0, dict[str, Subscription]()
    async for subscription in svc.history.subscriptions():
        # Merged here first: a batch costs one write per subscription, not one per event.
        known = batch.get(subscription.subscription_id)
        batch[subscription.subscription_id] = known.merged(subscription) if known else subscription
        count += 1
        if len(batch) >= BACKFILL_BATCH:
            await svc.subscribers.record_many(list(batch.values()))
            batch.clear()
    await svc.subscribers.record_many(list(batch.values()))
    await svc.subscribers.mark_backfilled(now, count)
    log.info("directory_backfilled", events=count)
    return count


async def clean_up_counters(svc: LinesService, now: datetime) -> None:
    """The daily SMS counters of past UTC days count for nothing any more."""
    await svc.counters.delete_before(now.date().isoformat())
