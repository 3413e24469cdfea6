"""lines' stores on the real FerretDB: the lines with their outbox and unique keys, the daily
counters, the subscriber directory and the latest invoices."""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from common.database import Database
from lines.adapters.directory import LatestInvoiceStore, SubscriberStore
from lines.adapters.store import LINES, LineStore, SendCounterStore
from lines.domain.lines import Line, Status
from lines.domain.numbers import PhoneNumber, ServiceType
from lines.domain.policy import Policy
from lines.ports import ConcurrentUpdate, DuplicateLine, NumberHeld
from services.lines.tests.integration.conftest import Woken, unique_number
from services.lines.tests.unit.fakes import invoice, subscription

NOW = datetime.now(UTC).replace(microsecond=0)
POLICY = Policy()


def pending(user_id: str, number: str) -> Line:
    line = Line.request(
        uuid.uuid4().hex,
        user_id,
        PhoneNumber(number),
        ServiceType.MOVIL,
        subscription(number, account_id="acc-7"),
        NOW,
    )
    line.send_code(NOW, POLICY)
    return line


def code_of(doc: dict[str, object]) -> str:
    (entry,) = doc["outbox"]  # type: ignore[misc]
    return str(json.loads(entry["payload"])["data"]["code"])


async def test_a_line_round_trips_with_its_code_in_the_outbox(
    database: Database, woken: Woken
) -> None:
    store, number = LineStore(database), unique_number()
    line = pending("user-1", number)
    await store.add(line)
    assert woken == [(LINES, line.line_id)]  # the relay is woken by the write itself
    doc = await database.raw(LINES).find_one({"_id": line.line_id})
    assert (doc["slot"], doc["holder"]) == (f"user-1|{number}", f"line|{line.line_id}")
    assert doc["outbox"][0]["topic"] == "lines.line-verification-requested"
    code = code_of(doc)
    assert code not in json.dumps({k: str(v) for k, v in doc.items() if k != "outbox"})
    loaded = await store.by_id(line.line_id)
    assert loaded is not None and loaded.code is not None and loaded.code.matches(code)
    assert (loaded.status, loaded.sent_at, loaded.version) == (Status.PENDING, [NOW], 1)
    assert await store.live("user-1", number) == loaded
    assert await store.of_user("user-1") == [loaded]


async def test_one_live_line_per_user_and_number(database: Database) -> None:
    store, number = LineStore(database), unique_number()
    first = pending("user-1", number)
    await store.add(first)
    with pytest.raises(DuplicateLine):
        await store.add(pending("user-1", number))
    first.remove(NOW)
    await store.save(first)
    await store.add(pending("user-1", number))  # removed lines give their slot up
    assert len(await store.of_user("user-1")) == 1


async def test_save_is_a_compare_and_set(database: Database) -> None:
    store = LineStore(database)
    line = pending("user-1", unique_number())
    await store.add(line)
    stale = await store.by_id(line.line_id)
    assert stale is not None
    line.send_code(NOW + timedelta(minutes=1), POLICY)
    await store.save(line)
    stale.remove(NOW)
    with pytest.raises(ConcurrentUpdate):
        await store.save(stale)
    doc = await database.raw(LINES).find_one({"_id": line.line_id})
    assert (doc["version"], len(doc["outbox"])) == (2, 2)


async def test_one_exclusive_holder_per_number(database: Database) -> None:
    store, number = LineStore(database), unique_number()
    lines = [pending(user, number) for user in ("user-1", "user-2")]
    for line in lines:
        await store.add(line)
        doc = await database.raw(LINES).find_one({"_id": line.line_id})
        line.enter_code(code_of(doc), NOW, POLICY)
    await store.save(lines[0])
    with pytest.raises(NumberHeld):
        await store.save(lines[1])
    assert [x.line_id for x in await store.holders(number)] == [lines[0].line_id]
    lines[0].events.clear()
    lines[0].transfer(NOW)
    await store.save(lines[0])
    await store.save(lines[1])
    assert [x.user_id for x in await store.holders(number)] == ["user-2"]


async def test_counters_reserve_atomically_and_release(database: Database) -> None:
    counters, key = SendCounterStore(database), f"user:{uuid.uuid4().hex}:2026-03-10"
    counts = await asyncio.gather(*(counters.increment(key, "2026-03-10") for _ in range(12)))
    assert sorted(counts) == list(range(1, 13))
    await counters.release(key)
    assert await counters.increment(key, "2026-03-10") == 12
    await counters.increment("user:x:2026-03-09", "2026-03-09")
    await counters.delete_before("2026-03-10")
    assert await counters.increment("user:x:2026-03-09", "2026-03-09") == 1
    assert await counters.increment(key, "2026-03-10") == 13


async def test_the_directory_merges_events_in_any_order(database: Database) -> None:
    store, number = SubscriberStore(database), unique_number()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    activated = subscription(number, as_of=t0, plan_name="Plan A")
    ended = subscription(
        number, as_of=t0 + timedelta(days=3), end_date=date(2026, 3, 31), plan_name="Plan B"
    )
    earlier_end = subscription(number, as_of=t0 + timedelta(days=1), end_date=date(2026, 2, 28))
    for event in (ended, activated, earlier_end, activated):
        await store.record(event)
    (entry,) = await store.of_number(number)
    assert entry == activated.merged(ended).merged(earlier_end)
    assert (entry.end_date, entry.plan_name) == (date(2026, 2, 28), "Plan B")
    assert not await store.backfilled()
    await store.mark_backfilled(t0, 4)
    assert await store.backfilled()


async def test_a_bulk_record_inserts_the_new_and_merges_the_known(database: Database) -> None:
    """The backfill's bulk write: one insert for what is new; a subscription already there
    (the consumer got to it first) is merged as ``record`` would, not lost nor duplicated."""
    store, known, new = SubscriberStore(database), unique_number(), unique_number()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    await store.record(subscription(known, as_of=t0, end_date=date(2026, 6, 30)))
    ended_earlier = subscription(known, as_of=t0 + timedelta(days=1), end_date=date(2026, 5, 31))
    fresh = subscription(new, as_of=t0)
    await store.record_many([ended_earlier, fresh])
    await store.record_many([])
    ((merged,), (inserted,)) = (await store.of_number(known), await store.of_number(new))
    assert merged.end_date == date(2026, 5, 31) and inserted == fresh


async def test_each_number_keeps_its_newest_invoice(database: Database) -> None:
    store, number = LatestInvoiceStore(database), unique_number()
    assert await store.latest(number) is None
    march, february = invoice(period="2026-03"), invoice(period="2026-02")
    await store.record(number, february)
    await store.record(number, march)
    await store.record(number, february)  # late: ignored
    await store.record(number, march)  # replayed: unchanged
    assert await store.latest(number) == march
