"""SRI's transmission window end to end (docs/sri.md §9 "When to transmit", error 65): a billing
process of our own refuses a bill run dated past its window (422), and a factura that reaches SRI
after the window is NO AUTORIZADO with 65 and waits for the operator, rejected.

The stack's sandbox and billing share the 72-hour default, so billing never sends it a late
document; this test runs a sandbox of its own with a one-hour window, and a billing process
pointed at it, to see what SRI does with one.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from billing.domain.periods import BillingPeriod, ecuador_day
from common.database import Database
from deploy.local import demo_data
from tests.billing_support import (
    PLAN,
    BillingProcess,
    make_ruc,
    operator_headers,
    seed_accounts,
    wait_bill_run,
)
from tests.sandbox_support import SandboxProcess
from tests.support import MONGODB


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client


@pytest.fixture
async def billing(client: httpx.AsyncClient, tmp_path: Path) -> AsyncIterator[BillingProcess]:
    """Billing (72-hour window) against a sandbox whose window is one hour."""
    sandbox = SandboxProcess(tmp_path / "sri", SRI_SANDBOX_TRANSMISSION_WINDOW_HOURS="1")
    await sandbox.start()
    billing = BillingProcess()
    billing.env["SRI_HOST"] = sandbox.url
    try:
        await billing.start()
        issuer = demo_data.ISSUER | {"ruc": make_ruc()}
        assert (await client.put(f"{billing.url}/admin/issuer", json=issuer)).status_code == 200
        put = await client.put(f"{billing.url}/admin/plans/{PLAN['code']}", json=PLAN)
        assert put.status_code in (200, 201), put.text
        yield billing
    finally:
        await billing.stop_and_drop()
        sandbox.stop()


def months_ago(months: int) -> BillingPeriod:
    first = ecuador_day(datetime.now(UTC)).replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return BillingPeriod.of(f"{first:%Y-%m}")


async def run(client: httpx.AsyncClient, url: str, body: dict[str, object]) -> dict[str, object]:
    started = await client.post(f"{url}/admin/bill-runs", json=body)
    assert started.status_code == 202, started.text
    return await wait_bill_run(client, url, started.json()["bill_run_id"], timeout=120)


async def sri_answers(client: httpx.AsyncClient, billing: BillingProcess) -> dict[str, object]:
    """Each invoice's period → (SRI state, message identifiers)."""
    database = Database(MONGODB, billing.database)
    try:
        ids = [doc["_id"] async for doc in database["invoices"].find({}, {"_id": 1})]
    finally:
        await database.close()
    found: dict[str, object] = {}
    for invoice_id in ids:
        body = (await client.get(f"{billing.url}/invoices/{invoice_id}")).json()
        found[body["period"]] = (
            body["sri_state"],
            [(m["identifier"], m["message"]) for m in body["sri_messages"]],
        )
    return found


async def test_a_factura_sent_after_the_window_is_not_authorized_with_65(
    client: httpx.AsyncClient, billing: BillingProcess
) -> None:
    late, current = months_ago(3), months_ago(2)
    await seed_accounts(client, billing.url, 1, late)
    today = ecuador_day(datetime.now(UTC))

    # Billing itself refuses a date whose 72 hours are over.
    body = {"cycle_day": 1, "period": late.label}
    old = await client.post(
        f"{billing.url}/admin/bill-runs",
        json=body | {"issue_date": (today - timedelta(days=4)).isoformat()},
    )
    assert old.status_code == 422 and "issue_date" in old.json()["error"]["fields"], old.text

    # Two days back is inside billing's window, past this SRI's hour: 65.
    two_days = await run(client, billing.url, body | {"issue_date": str(today - timedelta(2))})
    assert (two_days["status"], two_days["rejected"], two_days["authorized"]) == (
        "completed",
        1,
        0,
    )
    # The run's date (today): authorized.
    on_time = await run(client, billing.url, {"cycle_day": 1, "period": current.label})
    assert (on_time["authorized"], on_time["rejected"]) == (1, 0)

    answers = await sri_answers(client, billing)
    assert answers[late.label] == ("not_authorized", [("65", "FECHA EMISION EXTEMPORANEA")])
    assert answers[current.label][0] == "authorized"
