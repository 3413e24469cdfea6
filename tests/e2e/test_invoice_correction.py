"""A rejected invoice is corrected, not abandoned (docs/sri.md §9; issue 12 item 3).

A bill run on a billing process of our own, against the real Kafka and FerretDB and an SRI
sandbox of our own (its ``refused_names`` control makes SRI refuse a factura for its data):
the account holder's name (or the issuer's commercial name) carries the refused text, so SRI
answers NO AUTORIZADO; the operator sees it in ``GET /admin/invoices?status=rejected`` with SRI's
message, fixes the account (``PATCH /admin/accounts/{id}``) or the issuer (``PUT /admin/issuer``),
and ``POST /admin/invoices/{id}/retry`` sends the corrected factura under
the same clave de acceso and secuencial, which SRI authorizes. The statement counts it once,
and only once it is no longer rejected.
"""

import asyncio
import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from billing.domain.periods import BillingPeriod
from common.database import Database
from deploy.local import demo_data
from tests.billing_support import (
    PLAN,
    BillingProcess,
    holder,
    make_ruc,
    mobile_number,
    operator_headers,
    start_bill_run,
    wait_bill_run,
)
from tests.kafka_support import find_record
from tests.sandbox_support import SandboxProcess
from tests.support import MONGODB

FIXED_NAME = "Demo Telecomunicaciones"


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[str]:
    """An SRI sandbox process of this test's own (its refused-names control is set per test)."""
    process = SandboxProcess(tmp_path / "sri-sandbox")
    await process.start()
    try:
        yield process.url
    finally:
        process.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client


def last_closed_period() -> BillingPeriod:
    first = date.today().replace(day=1)
    return BillingPeriod.of(f"{first - timedelta(days=1):%Y-%m}")


async def invoice_movements(
    client: httpx.AsyncClient, url: str, account_id: str, period: str
) -> list[str]:
    response = await client.get(
        f"{url}/admin/accounts/{account_id}/statement", params={"period": period}
    )
    assert response.status_code == 200, response.text
    return [m["reference"] for m in response.json()["movements"] if m["kind"] == "invoice"]


async def wait_authorized(client: httpx.AsyncClient, url: str, invoice_id: str) -> dict[str, Any]:
    for _ in range(600):
        invoice = (await client.get(f"{url}/invoices/{invoice_id}")).json()
        if invoice["status"] != "pending":
            return dict(invoice)
        await asyncio.sleep(0.2)
    raise AssertionError(f"still pending: {invoice}")


@pytest.mark.parametrize("fixed", ["account", "issuer"])
async def test_a_rejected_invoice_is_corrected_under_the_same_clave(
    client: httpx.AsyncClient, sandbox: str, fixed: str
) -> None:
    marker = f"RECHAZAR-{uuid.uuid4().hex[:8]}"
    refused = await client.post(f"{sandbox}/control", json={"refused_names": [marker]})
    assert refused.status_code == 200, refused.text
    billing = BillingProcess(SRI_HOST=sandbox)
    await billing.start()
    url = billing.url
    try:
        issuer, account_id, period = await _one_account_billed_by(client, url, marker, fixed)
        run = await wait_bill_run(client, url, await start_bill_run(client, url, period))
        assert (run["status"], run["invoices"], run["rejected"]) == ("completed", 1, 1), run

        # The operator sees what SRI refused, with its message.
        listed = await client.get(f"{url}/admin/invoices", params={"status": "rejected"})
        assert listed.status_code == 200, listed.text
        [row] = listed.json()
        assert (row["account_id"], row["state"]) == (account_id, "not_authorized")
        assert [m["identifier"] for m in row["sri_messages"]] == ["SBX-DATOS"]
        invoice_id, clave, number = row["invoice_id"], row["access_key"], row["number"]
        assert await invoice_movements(client, url, account_id, period.label) == []

        # Fixed with the admin endpoints, then retried: twice, the second is refused.
        await _fix(client, url, fixed, issuer, account_id)
        retried = await client.post(f"{url}/admin/invoices/{invoice_id}/retry")
        assert retried.status_code == 202, retried.text
        assert (retried.json()["access_key"], retried.json()["number"]) == (clave, number)
        again = await client.post(f"{url}/admin/invoices/{invoice_id}/retry")
        assert again.status_code == 409 and again.json()["error"]["code"] == "not_rejected"

        invoice = await wait_authorized(client, url, invoice_id)
        assert invoice["status"] == "authorized", invoice
        assert (invoice["access_key"], invoice["number"]) == (clave, number)
        assert invoice["authorization_number"] == clave
        xml = await client.get(f"{url}/invoices/{invoice_id}/xml")
        assert xml.status_code == 200
        assert FIXED_NAME in xml.text and marker not in xml.text
        assert f"<claveAcceso>{clave}</claveAcceso>" in xml.text

        # SRI saw the same clave twice: refused, then the correction authorized.
        calls = (await client.get(f"{sandbox}/control/calls", params={"clave": clave})).json()
        receptions = [c["result"] for c in calls if c["operation"] == "recepcion"]
        assert receptions == ["RECIBIDA", "RECIBIDA"]
        assert await invoice_movements(client, url, account_id, period.label) == [invoice_id]
        listed = await client.get(f"{url}/admin/invoices", params={"status": "rejected"})
        assert listed.json() == []
        await _assert_corrected_once(billing, invoice_id)
        event = await find_record("billing.invoice-corrected", invoice_id.encode())
        data = json.loads(event.value)["data"]
        assert (data["access_key"], data["previous_status"]) == (clave, "not_authorized")
    finally:
        await billing.stop_and_drop()


async def _fix(
    client: httpx.AsyncClient, url: str, fixed: str, issuer: dict[str, Any], account_id: str
) -> None:
    """The operator corrects what SRI refused: the issuer's commercial name or the holder's."""
    if fixed == "issuer":
        issuer["nombre_comercial"] = FIXED_NAME
        assert (await client.put(f"{url}/admin/issuer", json=issuer)).status_code == 200
        return
    account = (await client.get(f"{url}/admin/accounts/{account_id}")).json()
    holder_data = account["holder"] | {"name": FIXED_NAME}
    patched = await client.patch(f"{url}/admin/accounts/{account_id}", json={"holder": holder_data})
    assert patched.status_code == 200 and patched.json()["holder"]["name"] == FIXED_NAME


async def _assert_corrected_once(billing: BillingProcess, invoice_id: str) -> None:
    database = Database(MONGODB, billing.database)
    try:
        doc = await database["invoices"].find_one({"_id": invoice_id})
    finally:
        await database.close()
    assert doc is not None and doc["corrections"] == 1
    states = [entry["state"] for entry in doc["history"]]
    assert states.count("not_authorized") == 1 and states[-1] == "authorized"
    assert states.count("signed") == 2  # issued, then corrected


async def _one_account_billed_by(
    client: httpx.AsyncClient, url: str, marker: str, where: str
) -> tuple[dict[str, Any], str, BillingPeriod]:
    """An issuer, the plan, one account with a line for the whole last closed month; the
    issuer's commercial name or the account holder's name (``where``) carries ``marker``."""
    issuer = demo_data.ISSUER | {"ruc": make_ruc()}
    if where == "issuer":
        issuer["nombre_comercial"] = f"Demo {marker}"
    assert (await client.put(f"{url}/admin/issuer", json=issuer)).status_code == 200
    plan = await client.put(f"{url}/admin/plans/{PLAN['code']}", json=PLAN)
    assert plan.status_code in (200, 201), plan.text
    period = last_closed_period()
    rng = random.Random()
    created = await client.post(
        f"{url}/admin/accounts",
        json={
            "holder": holder(rng, **({"name": f"Ana {marker}"} if where == "account" else {})),
            "cycle_day": 1,
            "payment_method": "20",
        },
    )
    assert created.status_code == 201, created.text
    account_id = str(created.json()["account_id"])
    sub = await client.post(
        f"{url}/admin/accounts/{account_id}/subscriptions",
        json={
            "number": mobile_number(rng),
            "service_type": "movil",
            "plan_code": PLAN["code"],
            "start_date": period.start.isoformat(),
        },
    )
    assert sub.status_code == 201, sub.text
    return issuer, account_id, period
