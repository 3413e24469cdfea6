"""Faults during a bill run: billing SIGKILLed mid-run and restarted; an SRI that answers
EN PROCESO, is slow, or fails with 500. Every account still ends with exactly one authorized
invoice, secuenciales have no gap and no duplicate, and no comprobante is sent twice without an
authorization query in between.

Each test runs its own billing process (own port, own database, a random issuer RUC so the shared
sandbox's sequence checks start clean) against the real Kafka, FerretDB and SRI sandbox.
"""

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from billing.domain.periods import BillingPeriod
from common.database import Database
from deploy.local import demo_data
from tests.billing_support import (
    BillingProcess,
    blind_resends,
    holder,
    make_ruc,
    mobile_number,
    operator_headers,
    sandbox_calls,
    sandbox_control,
    sandbox_reset,
)
from tests.support import MONGODB

PLAN = {
    "code": "FAULT-MOVIL",
    "name": "Plan Móvil Pruebas",
    "service_type": "movil",
    "monthly_fee": "12.34",
    "tax_code": "4",
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client
        await sandbox_reset(client)


async def _billing(client: httpx.AsyncClient, **env: str) -> BillingProcess:
    billing = BillingProcess(**env)
    await billing.start()
    issuer = demo_data.ISSUER | {"ruc": make_ruc()}
    assert (await client.put(f"{billing.url}/admin/issuer", json=issuer)).status_code == 200
    put = await client.put(f"{billing.url}/admin/plans/{PLAN['code']}", json=PLAN)
    assert put.status_code in (200, 201), put.text
    return billing


async def _seed(client: httpx.AsyncClient, url: str, count: int, period: BillingPeriod) -> None:
    rng = random.Random()
    limit = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        async with limit:
            account = await client.post(
                f"{url}/admin/accounts",
                json={"holder": holder(rng), "cycle_day": 1, "payment_method": "20"},
            )
            assert account.status_code == 201, account.text
            sub = await client.post(
                f"{url}/admin/accounts/{account.json()['account_id']}/subscriptions",
                json={
                    "number": mobile_number(rng),
                    "service_type": "movil",
                    "plan_code": PLAN["code"],
                    "start_date": (period.start - timedelta(days=n % 30)).isoformat(),
                },
            )
            # A number can only be active once: a random clash just means one account less.
            assert sub.status_code in (201, 409), sub.text

    await asyncio.gather(*(one(n) for n in range(count)))


async def _run(client: httpx.AsyncClient, url: str, period: BillingPeriod) -> str:
    started = await client.post(
        f"{url}/admin/bill-runs", json={"cycle_day": 1, "period": period.label}
    )
    assert started.status_code == 202, started.text
    return str(started.json()["bill_run_id"])


async def _wait(
    client: httpx.AsyncClient, url: str, run_id: str, timeout: float = 240
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        state = (await client.get(f"{url}/admin/bill-runs/{run_id}")).json()
        if state["status"] != "running":
            return dict(state)
        await asyncio.sleep(0.3)
    raise AssertionError(f"bill run still running after {timeout} s: {state}")


async def _check_invariants(client: httpx.AsyncClient, billing: BillingProcess) -> None:
    database = Database(MONGODB, billing.database)
    try:
        accounts = [doc["_id"] async for doc in database["accounts"].find({}, {"_id": 1})]
        invoices = [
            doc
            async for doc in database["invoices"].find(
                {}, {"account_id": 1, "sequential": 1, "state": 1, "access_key": 1}
            )
        ]
    finally:
        await database.close()
    per_account: dict[str, int] = {}
    for invoice in invoices:
        per_account[invoice["account_id"]] = per_account.get(invoice["account_id"], 0) + 1
    billed = [a for a in accounts if a in per_account]
    assert len(billed) >= len(accounts) * 0.9, "almost every account has an active subscription"
    assert all(n == 1 for n in per_account.values()), "one invoice per account and period"
    sequentials = sorted(invoice["sequential"] for invoice in invoices)
    assert sequentials == list(range(1, len(invoices) + 1)), "secuenciales: no gap, no duplicate"
    assert {invoice["state"] for invoice in invoices} == {"authorized"}
    for invoice in invoices:
        assert blind_resends(await sandbox_calls(client, invoice["access_key"])) == 0


async def test_sigkill_mid_bill_run_then_resume(client: httpx.AsyncClient) -> None:
    period = BillingPeriod.of("2026-10")
    billing = await _billing(client, BILL_RUN_BATCH_SIZE="10", SUBMIT_BATCH_SIZE="10")
    try:
        await _seed(client, billing.url, 150, period)
        run_id = await _run(client, billing.url, period)
        for _ in range(2000):
            state = (await client.get(f"{billing.url}/admin/bill-runs/{run_id}")).json()
            if state["invoices"] >= 30:
                break
            await asyncio.sleep(0.02)
        assert 0 < state["invoices"] < 150, f"the kill should land mid-run: {state}"
        billing.kill()
        await billing.start()
        state = await _wait(client, billing.url, run_id)
        assert state["status"] == "completed", state
        await _check_invariants(client, billing)
    finally:
        billing.stop()


async def test_sri_en_proceso_slow_and_failing_still_authorizes_everything(
    client: httpx.AsyncClient,
) -> None:
    period = BillingPeriod.of("2026-10")
    billing = await _billing(client, SRI_TIMEOUT_SECONDS="1", SUBMIT_BATCH_SIZE="5")
    try:
        await _seed(client, billing.url, 20, period)
        # SRI answers EN PROCESO twice per key, fails the next 6 calls with 500, and is slower
        # than billing's timeout: it keeps what it received while billing hears nothing back.
        await sandbox_control(client, en_proceso_polls=2, fail_next=6, delay_seconds=1.5)
        run_id = await _run(client, billing.url, period)
        await asyncio.sleep(6)
        state = (await client.get(f"{billing.url}/admin/bill-runs/{run_id}")).json()
        assert state["authorized"] < state["invoices"], "nothing is authorized while SRI is down"
        await sandbox_control(client, delay_seconds=0)
        state = await _wait(client, billing.url, run_id)
        assert state["status"] == "completed", state
        await _check_invariants(client, billing)
    finally:
        billing.stop()
