"""Billing end to end through the gateway with the operator's token: accounts → bill run → every
invoice authorized by the SRI sandbox → InvoiceIssued on Kafka; a second run adds nothing."""

import asyncio
import hashlib
import random
import shutil
import subprocess
import tempfile
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from lxml import etree

from billing.adapters.signing import verify_factura
from billing.adapters.sri_schema import validate_factura
from billing.domain.periods import BillingPeriod
from common.contracts import InvoiceIssued
from deploy.local import demo_data
from services.billing.tests.unit.test_signing import xmlsec1_command
from tests.billing_support import (
    BILLING,
    DEV_CA,
    blind_resends,
    holder,
    mobile_number,
    operator_headers,
    sandbox_calls,
)
from tests.kafka_support import find_record

ECUADOR = ZoneInfo("America/Guayaquil")
XMLSEC1 = shutil.which("xmlsec1")
BAD_RUC, BAD_CI = "1790011675001", "1714307104"  # check digit off valid examples
PLAN = {
    "code": "E2E-MOVIL",
    "name": "Plan Móvil Pruebas",
    "service_type": "movil",
    "monthly_fee": "17.85",
    "tax_code": "4",
}


@pytest.fixture
async def operator() -> Any:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        issuer = await client.get(f"{BILLING}/admin/issuer")
        if issuer.status_code != 200:
            put = await client.put(f"{BILLING}/admin/issuer", json=demo_data.ISSUER)
            assert put.status_code == 200, put.text
        put = await client.put(f"{BILLING}/admin/plans/{PLAN['code']}", json=PLAN)
        assert put.status_code in (200, 201), put.text
        yield client


def _last_closed(cycle_day: int) -> BillingPeriod:
    return BillingPeriod.containing(datetime.now(ECUADOR).date(), cycle_day).previous


async def _account(
    client: httpx.AsyncClient, rng: random.Random, cycle_day: int, period: BillingPeriod, n: int
) -> str:
    created = await client.post(
        f"{BILLING}/admin/accounts",
        json={"holder": holder(rng), "cycle_day": cycle_day, "payment_method": "20"},
    )
    assert created.status_code == 201, created.text
    account_id = str(created.json()["account_id"])
    # Every other account joins mid-period: a prorated fee.
    start = period.start - timedelta(days=40) if n % 2 else period.start + timedelta(days=9)
    sub = await client.post(
        f"{BILLING}/admin/accounts/{account_id}/subscriptions",
        json={
            "number": mobile_number(rng),
            "service_type": "movil",
            "plan_code": PLAN["code"],
            "start_date": start.isoformat(),
        },
    )
    assert sub.status_code == 201, sub.text
    if n == 0:
        charge = await client.post(
            f"{BILLING}/admin/accounts/{account_id}/charges",
            json={
                "description": "Roaming Perú",
                "amount": "3.50",
                "tax_code": "0",
                "period": period.label,
                "idempotency_key": f"roaming-{account_id}",
            },
        )
        assert charge.status_code == 201, charge.text
    return account_id


async def _wait_completed(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    for _ in range(600):
        state = (await client.get(f"{BILLING}/admin/bill-runs/{run_id}")).json()
        if state["status"] != "running":
            return dict(state)
        await asyncio.sleep(0.2)
    raise AssertionError(f"bill run still running: {state}")


def _xmlsec1_verifies(comprobante: bytes) -> bool:
    assert XMLSEC1 and DEV_CA.exists()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "factura.xml"
        path.write_bytes(comprobante)
        result = subprocess.run(
            xmlsec1_command(DEV_CA, path), capture_output=True, check=False, timeout=30
        )
    return result.returncode == 0


async def _assert_authorized_and_published(client: httpx.AsyncClient, row: dict[str, Any]) -> None:
    """SRI's <autorizacion>, a factura signed and valid, the statement in it, InvoiceIssued out."""
    detail = (await client.get(f"{BILLING}/invoices/{row['invoice_id']}")).json()
    key = detail["access_key"]
    assert len(key) == 49 and key.isdigit()
    assert detail["authorization_date"] and detail["authorization_number"] == key
    xml = await client.get(f"{BILLING}/invoices/{row['invoice_id']}/xml")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    autorizacion = etree.fromstring(xml.content)
    assert autorizacion.findtext("estado") == "AUTORIZADO"
    assert autorizacion.findtext("numeroAutorizacion") == key
    assert autorizacion.findtext("ambiente") and autorizacion.findtext("fechaAutorizacion")
    comprobante = autorizacion.findtext("comprobante").encode()
    assert verify_factura(comprobante)
    assert _xmlsec1_verifies(comprobante)
    errors = validate_factura(comprobante)
    assert all("Signature" in e for e in errors), errors  # shared XSDs lack ds:Signature
    factura = etree.fromstring(comprobante)
    assert factura.findtext("infoFactura/importeTotal") == row["total"]
    info = {c.get("nombre"): c.text for c in factura.iter("campoAdicional")}
    assert info["Cuenta"] == row["account_id"] and "Total a pagar" in info
    assert blind_resends(await sandbox_calls(client, key)) == 0

    record = await find_record("billing.invoice-issued", row["invoice_id"].encode())
    event = InvoiceIssued.model_validate_json(record.value).data
    assert event.access_key == key
    assert event.totals.total == row["total"]
    assert event.holder.email is not None and event.holder.email.endswith("@pruebas.ec")
    # The event names the fiscal record the API serves: its digest and size.
    assert event.authorized_xml_sha256 == hashlib.sha256(xml.content).hexdigest()
    assert event.authorized_xml_size == len(xml.content)


async def test_bill_run_end_to_end(operator: httpx.AsyncClient) -> None:
    client = operator
    rng = random.Random()
    cycle_day = rng.randint(2, 28)
    period = _last_closed(cycle_day)
    accounts = [await _account(client, rng, cycle_day, period, n) for n in range(4)]

    started = await client.post(
        f"{BILLING}/admin/bill-runs", json={"cycle_day": cycle_day, "period": period.label}
    )
    assert started.status_code == 202, started.text
    run_id = started.json()["bill_run_id"]
    state = await _wait_completed(client, run_id)
    assert state["status"] == "completed", state
    assert state["rejected"] == 0 and state["pending"] == 0

    invoices = []
    for account_id in accounts:
        rows = await client.get(f"{BILLING}/admin/invoices", params={"account_id": account_id})
        assert rows.status_code == 200, rows.text
        [row] = rows.json()
        assert row["status"] == "authorized" and row["period"] == period.label
        invoices.append(row)

    for row in invoices:
        await _assert_authorized_and_published(client, row)

    # The prorated account paid less than the full fee; the charge is on the first invoice.
    totals = [Decimal(row["total"]) for row in invoices]
    assert totals[0] != totals[1] and totals[1] == totals[3]

    again = await client.post(
        f"{BILLING}/admin/bill-runs", json={"cycle_day": cycle_day, "period": period.label}
    )
    assert again.status_code == 202 and again.json()["bill_run_id"] == run_id
    assert (await _wait_completed(client, run_id))["invoices"] == state["invoices"]
    for account_id in accounts:
        rows = await client.get(f"{BILLING}/admin/invoices", params={"account_id": account_id})
        assert len(rows.json()) == 1


async def test_statement_counts_a_replayed_payment_once(operator: httpx.AsyncClient) -> None:
    client = operator
    rng = random.Random()
    cycle_day = rng.randint(2, 28)
    period = _last_closed(cycle_day)
    account_id = await _account(client, rng, cycle_day, period, 1)
    run = await client.post(
        f"{BILLING}/admin/bill-runs", json={"cycle_day": cycle_day, "period": period.label}
    )
    await _wait_completed(client, run.json()["bill_run_id"])
    [invoice] = (
        await client.get(f"{BILLING}/admin/invoices", params={"account_id": account_id})
    ).json()
    payment = {
        "account_id": account_id,
        "amount": "10.00",
        "paid_at": datetime.now(ECUADOR).isoformat(),
        "channel": "ventanilla",
        "idempotency_key": f"pago-{uuid.uuid4().hex}",
    }
    first = await client.post(f"{BILLING}/admin/payments", json=payment)
    second = await client.post(f"{BILLING}/admin/payments", json=payment)
    assert first.status_code == 201, first.text
    assert second.status_code in (200, 201) and second.json() == first.json()

    current = period.next.label
    statement = await client.get(
        f"{BILLING}/admin/accounts/{account_id}/statement", params={"period": current}
    )
    assert statement.status_code == 200, statement.text
    body = statement.json()
    assert Decimal(body["previous_balance"]) == Decimal(invoice["total"])
    assert Decimal(body["payments"]) == Decimal("10.00")
    assert Decimal(body["balance_due"]) == Decimal(invoice["total"]) - Decimal("10.00")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/admin/accounts",
            {"holder": {"id_type": "ruc", "id_number": BAD_RUC}},
            "id_number",
        ),
        (
            "/admin/accounts",
            {"holder": {"id_type": "cedula", "id_number": BAD_CI}},
            "id_number",
        ),
        ("/admin/bill-runs", {"cycle_day": 1, "period": "2099-01"}, "period"),
        ("/admin/bill-runs", {"cycle_day": 31, "period": "2026-01"}, "cycle_day"),
    ],
)
async def test_invalid_operator_input_is_422(
    operator: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    if path == "/admin/accounts":
        body = {
            "holder": holder() | body["holder"],
            "cycle_day": 1,
            "payment_method": "20",
        }
    response = await operator.post(f"{BILLING}{path}", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert any(name.split(".")[-1] == field for name in error["fields"]), error
    assert error["message"]


async def test_unknown_plan_negative_amount_and_future_period_are_422(
    operator: httpx.AsyncClient,
) -> None:
    client = operator
    rng = random.Random()
    period = _last_closed(5)
    account_id = await _account(client, rng, 5, period, 1)
    unknown = await client.post(
        f"{BILLING}/admin/accounts/{account_id}/subscriptions",
        json={
            "number": mobile_number(rng),
            "service_type": "movil",
            "plan_code": "NO-EXISTE",
            "start_date": period.start.isoformat(),
        },
    )
    assert unknown.status_code == 422 and "plan_code" in unknown.json()["error"]["fields"]
    charge = {
        "description": "Ajuste",
        "amount": "-5.00",
        "tax_code": "4",
        "period": period.label,
        "idempotency_key": uuid.uuid4().hex,
    }
    negative = await client.post(f"{BILLING}/admin/accounts/{account_id}/charges", json=charge)
    assert negative.status_code == 422 and "amount" in negative.json()["error"]["fields"]
    future = await client.post(
        f"{BILLING}/admin/accounts/{account_id}/charges",
        json=charge | {"amount": "5.00", "period": "2099-12"},
    )
    assert future.status_code == 422 and "period" in future.json()["error"]["fields"]
    bad_issuer = await client.put(
        f"{BILLING}/admin/issuer", json=demo_data.ISSUER | {"ruc": BAD_RUC}
    )
    assert bad_issuer.status_code == 422 and "ruc" in bad_issuer.json()["error"]["fields"]
    customer = await client.get(f"{BILLING}/admin/plans", headers={"Authorization": ""})
    assert customer.status_code == 401


async def test_a_corporate_account_keeps_every_line_added_in_a_row(
    operator: httpx.AsyncClient,
) -> None:
    """200 subscriptions added one after the other to one account, while the outbox relay pulls
    each one's SubscriptionActivated from the same document: none is lost (on FerretDB, two
    connections writing one document lost some)."""
    rng = random.Random()
    created = await operator.post(
        f"{BILLING}/admin/accounts",
        json={"holder": holder(rng), "cycle_day": 3, "payment_method": "20"},
    )
    account_id = created.json()["account_id"]
    numbers = set()
    while len(numbers) < 200:
        numbers.add(mobile_number(rng))
    for number in numbers:
        body = {"number": number, "service_type": "movil", "plan_code": PLAN["code"],
                "start_date": "2026-01-01"}  # fmt: skip
        sub = await operator.post(f"{BILLING}/admin/accounts/{account_id}/subscriptions", json=body)
        assert sub.status_code == 201, sub.text
    account = (await operator.get(f"{BILLING}/admin/accounts/{account_id}")).json()
    kept = {s["number"] for s in account["subscriptions"]}
    assert kept == {"+593" + n[1:] for n in numbers}
