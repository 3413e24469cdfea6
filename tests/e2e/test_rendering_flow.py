"""The RIDE end to end through the gateway: a bill run → one RideRendered per invoice on Kafka →
the operator follows billing's /ride (302) to rendering and gets the PDF (PDF/A with the
invoice number in its text) → an expired or altered link is 403 → replaying InvoiceIssued makes
no second PDF and no second RideRendered."""

import asyncio
import json
import os
import random
import subprocess
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from pymongo import AsyncMongoClient

from common.links import sign_link
from deploy.local import demo_data
from tests.billing_support import BILLING, SECRETS, operator_headers
from tests.e2e.test_billing_flow import PLAN, _account, _last_closed, _wait_completed
from tests.kafka_support import all_records, find_record, headers_of, produce
from tests.support import GATEWAY, MONGODB

ISSUED, RENDERED = "billing.invoice-issued", "rendering.ride-rendered"


def ride_link_key() -> str:
    """The key the stack gave billing and rendering (deploy/local/stack.sh, need ride-link-key)."""
    return os.environ.get("RIDE_LINK_KEY") or (SECRETS / "ride-link.key").read_text().strip()


@pytest.fixture
async def operator() -> Any:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        if (await client.get(f"{BILLING}/admin/issuer")).status_code != 200:
            put = await client.put(f"{BILLING}/admin/issuer", json=demo_data.ISSUER)
            assert put.status_code == 200, put.text
        put = await client.put(f"{BILLING}/admin/plans/{PLAN['code']}", json=PLAN)
        assert put.status_code in (200, 201), put.text
        yield client


async def _bill_run(client: httpx.AsyncClient, accounts: int) -> list[dict[str, Any]]:
    rng = random.Random()
    cycle_day = rng.randint(2, 28)
    period = _last_closed(cycle_day)
    ids = [await _account(client, rng, cycle_day, period, n) for n in range(accounts)]
    started = await client.post(
        f"{BILLING}/admin/bill-runs", json={"cycle_day": cycle_day, "period": period.label}
    )
    assert started.status_code == 202, started.text
    state = await _wait_completed(client, started.json()["bill_run_id"])
    assert state["status"] == "completed" and state["rejected"] == 0, state
    rows = []
    for account_id in ids:
        found = await client.get(f"{BILLING}/admin/invoices", params={"account_id": account_id})
        [row] = found.json()
        rows.append((await client.get(f"{BILLING}/invoices/{row['invoice_id']}")).json())
    return rows


async def _follow_ride(client: httpx.AsyncClient, invoice_id: str) -> httpx.URL:
    """billing's 302, once its consumer saw RideRendered (409 until then)."""
    for _ in range(150):
        response = await client.get(f"{BILLING}/invoices/{invoice_id}/ride", follow_redirects=False)
        if response.status_code == 302:
            return httpx.URL(urljoin(GATEWAY + "/", response.headers["location"]))
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "ride_not_ready"
        await asyncio.sleep(0.2)
    raise AssertionError(f"no RIDE link for {invoice_id}")


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _with(url: httpx.URL, **changes: str) -> str:
    query = {k: v[0] for k, v in parse_qs(urlsplit(str(url)).query).items()} | changes
    return str(url.copy_with(query=urlencode(query).encode()))


async def _assert_links_are_checked(url: httpx.URL, access_key: str) -> None:
    past = int(time.time()) - 1
    expired = _with(url, expires=str(past), signature=sign_link(ride_link_key(), access_key, past))
    later = int(time.time()) + 3600
    altered = [
        _with(url, expires=str(later)),  # a longer life with the same signature
        _with(url, signature="0" * 64),
        str(url).replace(access_key, access_key[:-1] + str((int(access_key[-1]) + 1) % 10)),
    ]
    async with httpx.AsyncClient(timeout=30) as anonymous:
        for link in [expired, *altered]:
            response = await anonymous.get(link)
            assert response.status_code == 403, (link, response.text)
            assert response.json()["error"]["code"] == "link_invalid"


async def _ride_files(access_key: str) -> int:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MONGODB)
    try:
        return await client["rendering"]["ride_pdfs.files"].count_documents({"_id": access_key})
    finally:
        await client.close()


async def _replay(invoice_id: str) -> None:
    """The same InvoiceIssued record again, then a copy with a new event id (which gets past the
    consumer's processed-events mark: only rendering's own idempotency stops it)."""
    record = await find_record(ISSUED, invoice_id.encode())
    await produce(ISSUED, record.value, record.key, headers_of(record))
    event = json.loads(record.value)
    event["event_id"] = str(uuid.uuid4())
    headers = headers_of(record) | {"ce_id": event["event_id"]}
    await produce(ISSUED, json.dumps(event).encode(), record.key, headers)


async def test_every_invoice_gets_one_ride(operator: httpx.AsyncClient) -> None:
    client = operator
    invoices = await _bill_run(client, accounts=2)
    for invoice in invoices:
        # Rendering may still be working through the invoices earlier tests issued (the fault
        # tests alone issue ~300, rendered at a few per second on two cores): a generous bound.
        rendered = json.loads(
            (await find_record(RENDERED, invoice["invoice_id"].encode(), 300)).value
        )
        data = rendered["data"]
        assert data["access_key"] == invoice["access_key"] and data["number"] == invoice["number"]
        assert data["size"] > 10_000 and len(data["sha256"]) == 64

        url = await _follow_ride(client, invoice["invoice_id"])
        assert url.path == f"/api/rendering/v1/rides/{invoice['access_key']}.pdf"
        async with httpx.AsyncClient(timeout=30) as anonymous:  # the link is the authorization
            pdf = await anonymous.get(url)
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        disposition = f'inline; filename="{invoice["number"]}.pdf"'
        assert pdf.headers["content-disposition"] == disposition
        assert pdf.content.startswith(b"%PDF") and len(pdf.content) == data["size"]
        assert invoice["number"] in _pdf_text(pdf.content)
        await _assert_links_are_checked(url, invoice["access_key"])

    first = invoices[0]
    await _replay(first["invoice_id"])
    await asyncio.sleep(5)  # rendering consumes the replays meanwhile (nothing to wait for)
    announced = [r for r in await all_records(RENDERED) if r.key == first["invoice_id"].encode()]
    assert len(announced) == 1
    assert await _ride_files(first["access_key"]) == 1
