"""billing SIGKILLed again and again during bill runs, at random points of every phase, and
restarted each time (issue 11, item 0).

A kill from outside at a random delay lands where it happens to land; to be sure every phase is
cut — before, between and after the invoice write, the XML write and each SRI call — most kills
are the process's own: started with ``CRASH_POINTS=<point>:<n>`` (billing/adapters/
crash_points.py, test-only, refused in production), it SIGKILLs itself the n-th time it reaches
that point, ``n`` chosen at random. Every point of INVOICING and SRI below is used in every run
of the test, with one of EXTRA; one kill per round comes from outside at a random instant (a
start may die at its point before it is ready: the submitter picks up the previous process's
work at once). After every kill the database must hold no duplicate and no gap: at most one
invoice per account and period, secuenciales 1..N, an authorized invoice always with its
authorization. After each round's last restart the run completes with every billable account
invoiced once, every invoice authorized, and no comprobante sent twice without an authorization
query in between. Pages are signed in a thread here (SIGNING_PROCESSES=0: no worker to spawn at
each start); test_billing_faults.py kills the signing worker.

Figures (kills by kind, invoices, time) are printed: ``pytest -s`` shows them. Sized by
``KILL_TEST_ROUNDS`` (default 2) and ``KILL_TEST_ACCOUNTS`` (default 30); ``KILL_TEST_SEED``
repeats a schedule.
"""

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from billing.domain.periods import BillingPeriod
from common.database import Database
from tests.billing_support import (
    BillingProcess,
    billing_with_issuer,
    blind_resends,
    operator_headers,
    sandbox_calls,
    seed_accounts,
    start_bill_run,
    wait_bill_run,
)
from tests.support import MONGODB

# Every one of these is used in every run of the test ...
INVOICING = ("before_invoice_write", "after_invoice_write", "after_xml_write")
SRI = ("before_reception", "after_reception", "before_authorization", "after_authorization")
# ... and one of these (in the invoicing pass, before_xml_write is after_invoice_write).
EXTRA = (
    "before_xml_write",
    "after_authorized_xml_write",
    "before_state_write",
    "after_state_write",
)
ROUNDS = int(os.environ.get("KILL_TEST_ROUNDS", "2"))
ACCOUNTS = int(os.environ.get("KILL_TEST_ACCOUNTS", "30"))
SEED = int(os.environ.get("KILL_TEST_SEED") or random.randrange(10**6))
# A crash point not reached by then (its phase is over): killed from outside instead.
POINT_DEADLINE = 12.0
# Starting billing takes seconds on a busy 2-core machine (imports, mostly).
START_TIMEOUT = 90.0


@dataclass(frozen=True)
class Kill:
    point: str | None  # None: from outside, after ``delay`` seconds
    visit: int = 1
    delay: float = 0.0

    @property
    def spec(self) -> str:
        return f"{self.point}:{self.visit}" if self.point else ""


def schedule(rng: random.Random) -> list[list[Kill]]:
    """Per round: its share of the points (each used once in all), invoicing ones first, and
    one kill from outside at a random place."""
    invoicing, sri = rng.sample(INVOICING, len(INVOICING)), rng.sample(SRI, len(SRI))
    extra = rng.choice(EXTRA)
    (invoicing if extra == "before_xml_write" else sri).append(extra)
    rounds: list[list[Kill]] = []
    for index in range(ROUNDS):
        kills = [Kill(p, rng.randint(1, 3)) for p in invoicing[index::ROUNDS]]
        kills += [Kill(p, rng.randint(1, 12)) for p in sri[index::ROUNDS]]
        kills.insert(rng.randrange(len(kills) + 1), Kill(None, delay=rng.uniform(0.2, 4.0)))
        rounds.append(kills)
    return rounds


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client


async def test_sigkill_at_random_points_of_every_phase(client: httpx.AsyncClient) -> None:
    rng = random.Random(SEED)
    started = time.monotonic()
    periods = [BillingPeriod.of(f"2026-{month:02d}") for month in range(8, 8 + ROUNDS)]
    billing = await billing_with_issuer(
        # Consuming nothing: no consumer group to settle at each of the many starts.
        client,
        BILL_RUN_BATCH_SIZE="3",
        SUBMIT_BATCH_SIZE="5",
        CONSUME_EVENTS="false",
        SIGNING_PROCESSES="0",
    )
    outcomes: Counter[str] = Counter()
    try:
        await seed_accounts(client, billing.url, ACCOUNTS, periods[0])
        billing.kill()  # from here on, every start has its own crash point
        for period, kills in zip(periods, schedule(rng), strict=True):
            run_id: str | None = None
            for kill in kills:
                billing.env["CRASH_POINTS"] = kill.spec
                if await _launch(billing):
                    run_id = run_id or await start_bill_run(client, billing.url, period)
                    assert run_id is not None
                    outcome = await _until_killed(client, billing, run_id, kill)
                else:  # the submitter's first sweep reached the point before /readyz answered
                    outcome = f"at {kill.point} (while starting)"
                outcomes[outcome] += 1
                print(f"kill {sum(outcomes.values())}: {period.label} {kill.spec or 'outside'}"
                      f" → {outcome}, {await _safe(billing)} invoices")  # fmt: skip
            billing.env["CRASH_POINTS"] = ""
            await billing.start(timeout=START_TIMEOUT)
            assert run_id is not None
            state = await wait_bill_run(client, billing.url, run_id, timeout=90)
            assert state["status"] == "completed", state
            await _complete(client, billing, period)
            billing.kill()
        invoices = await _safe(billing)
        print(
            f"seed {SEED}: {sum(outcomes.values())} kills {dict(outcomes)}, {ROUNDS} bill runs, "
            f"{invoices} invoices, all authorized, in {time.monotonic() - started:.0f} s"
        )
    finally:
        billing.stop()


async def _launch(billing: BillingProcess) -> bool:
    """Start it; False if it died at its crash point before it was ready (work left by the
    previous process starts at once)."""
    billing.spawn()
    assert billing.process is not None
    ready = billing.url.removesuffix("/v1") + "/readyz"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=2) as probe:
        while loop.time() < deadline:
            if billing.process.poll() is not None:
                assert billing.env["CRASH_POINTS"], billing.log.read_text()[-3000:]
                return False
            try:
                if (await probe.get(ready)).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"billing did not become ready; see {billing.log}")


async def _until_killed(
    client: httpx.AsyncClient, billing: BillingProcess, run_id: str, kill: Kill
) -> str:
    """Wait for the process to kill itself at its point (or kill it): how it died."""
    assert billing.process is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (kill.delay if kill.point is None else POINT_DEADLINE)
    while loop.time() < deadline:
        if billing.process.poll() is not None:
            return f"at {kill.point}"
        await asyncio.sleep(0.02)
        if kill.point is not None and await _completed(client, billing, run_id):
            break
    billing.kill()
    return "from outside" if kill.point is None else "from outside (point not reached)"


async def _completed(client: httpx.AsyncClient, billing: BillingProcess, run_id: str) -> bool:
    try:
        answer = await client.get(f"{billing.url}/admin/bill-runs/{run_id}", timeout=2)
    except httpx.HTTPError:
        return False  # dying or dead: the caller sees it
    return answer.status_code == 200 and answer.json()["status"] == "completed"


async def _documents(billing: BillingProcess) -> tuple[list[dict[str, Any]], set[str]]:
    database = Database(MONGODB, billing.database)
    try:
        fields = {"account_id": 1, "period": 1, "sequential": 1, "state": 1, "access_key": 1}
        invoices = [doc async for doc in database["invoices"].find({}, fields)]
        fiscal = database["fiscal_documents"].find({}, {"authorized_xml": 1})
        authorized = {doc["_id"] async for doc in fiscal if doc.get("authorized_xml")}
    finally:
        await database.close()
    return invoices, authorized


async def _safe(billing: BillingProcess) -> int:
    """What must hold at any instant, a kill included; the number of invoices."""
    invoices, authorized = await _documents(billing)
    per_account = Counter((doc["account_id"], doc["period"]) for doc in invoices)
    assert all(n == 1 for n in per_account.values()), "one invoice per account and period"
    sequentials = sorted(doc["sequential"] for doc in invoices)
    assert sequentials == list(range(1, len(invoices) + 1)), "secuenciales: no gap, no duplicate"
    for doc in invoices:
        if doc["state"] == "authorized":
            assert doc["_id"] in authorized, "an authorized invoice keeps SRI's authorization"
    return len(invoices)


async def _complete(
    client: httpx.AsyncClient, billing: BillingProcess, period: BillingPeriod
) -> None:
    """After the round: every billable account invoiced once for ``period``, every invoice
    authorized, none sent twice without a query in between."""
    await _safe(billing)
    invoices, _ = await _documents(billing)
    database = Database(MONGODB, billing.database)
    try:
        cursor = database["accounts"].find({}, {"subscriptions": 1})
        billable = {doc["_id"] async for doc in cursor if doc.get("subscriptions")}
    finally:
        await database.close()
    assert billable, "the accounts have subscriptions"
    assert {doc["account_id"] for doc in invoices if doc["period"] == period.label} == billable
    assert {doc["state"] for doc in invoices} == {"authorized"}
    for doc in invoices:
        if doc["period"] == period.label:
            assert blind_resends(await sandbox_calls(client, doc["access_key"])) == 0
