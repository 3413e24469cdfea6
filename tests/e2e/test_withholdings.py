"""A withholding received, end to end (issue 12, item 7): a billing process of our own (the real
FerretDB, Kafka and SRI sandbox) invoices a company account in a bill run; the company, an agente
de retención, sends the authorized comprobante de retención on that factura; billing answers 201
and the statement shows the credit; the same document again is 409 and the account is credited
once."""

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billing.domain.periods import BillingPeriod
from common.database import Database
from common.outbox import OUTBOX_FIELD
from services.billing.tests.retentions import (
    AGENT_NAME,
    AGENT_RUC,
    FacturaRef,
    Retention,
    authorized,
)
from tests.billing_support import (
    PLAN,
    billing_with_issuer,
    holder,
    operator_headers,
    start_bill_run,
    wait_bill_run,
)
from tests.support import MONGODB

XML = {"Content-Type": "application/xml"}
LINE = "0991000123"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client


async def _company_invoiced(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """A company account (the agent's RUC) with one line, invoiced by a bill run of last month:
    its authorized invoice's detail."""
    period = BillingPeriod.of("2026-10")
    company = holder(id_type="ruc", id_number=AGENT_RUC, name=AGENT_NAME)
    created = await client.post(
        f"{url}/admin/accounts",
        json={"holder": company, "cycle_day": 1, "payment_method": "20"},
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    line = {"number": LINE, "service_type": "movil", "plan_code": PLAN["code"]}
    added = await client.post(
        f"{url}/admin/accounts/{account_id}/subscriptions",
        json=line | {"start_date": "2026-09-01"},
    )
    assert added.status_code == 201, added.text
    state = await wait_bill_run(client, url, await start_bill_run(client, url, period), 120)
    assert (state["status"], state["authorized"]) == ("completed", 1), state
    [row] = (await client.get(f"{url}/admin/invoices", params={"account_id": account_id})).json()
    detail = await client.get(f"{url}/invoices/{row['invoice_id']}")
    assert detail.status_code == 200, detail.text
    return dict(detail.json())


async def _statement(client: httpx.AsyncClient, url: str, account_id: str, day: date) -> Any:
    answer = await client.get(
        f"{url}/admin/accounts/{account_id}/statement", params={"period": f"{day:%Y-%m}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_withholding_received_is_credited_once(client: httpx.AsyncClient) -> None:
    billing = await billing_with_issuer(client, CONSUME_EVENTS="false")
    try:
        url = billing.url
        invoice = await _company_invoiced(client, url)
        issuer = (await client.get(f"{url}/admin/issuer")).json()
        factura = FacturaRef(
            number=invoice["number"],
            issue_date=date.fromisoformat(invoice["issue_date"]),
            subtotal=Decimal(invoice["totals"]["subtotal"]),
            iva=Decimal(invoice["totals"]["taxes"]),
            access_key=invoice["access_key"],
        )
        retention = Retention(subject_ruc=issuer["ruc"], factura=factura)
        body = authorized(retention)
        account_id = invoice["account_id"]
        before = await _statement(client, url, account_id, retention.day)

        created = await client.post(f"{url}/admin/withholdings", content=body, headers=XML)
        assert created.status_code == 201, created.text
        out = created.json()
        # PLAN 12.34 + IVA 15 % 1.85: 2.75 % of 12.34 = 0.34, 70 % of 1.85 = 1.30
        assert out["amount"] == str(retention.withheld) == "1.64"
        assert out["withholding_id"] == retention.access_key
        assert out["invoice_ids"] == [invoice["invoice_id"]]

        again = await client.post(f"{url}/admin/withholdings", content=body, headers=XML)
        assert again.status_code == 409, again.text
        assert again.json()["error"]["code"] == "withholding_duplicate"
        assert again.json()["error"]["withholding_id"] == retention.access_key

        after = await _statement(client, url, account_id, retention.day)
        credits = [m for m in after["movements"] if m["kind"] == "withholding"]
        assert [(m["amount"], m["reference"]) for m in credits] == [("-1.64", retention.access_key)]
        assert invoice["number"] in credits[0]["description"]
        assert after["withholdings"] == "1.64"
        assert Decimal(after["balance_due"]) == Decimal(before["balance_due"]) - Decimal("1.64")
        by_line = await client.get(
            f"{url}/statement", params={"line": LINE, "period": f"{retention.day:%Y-%m}"}
        )
        assert by_line.status_code == 200, by_line.text
        assert by_line.json()["withholdings"] == "1.64"
        assert by_line.json()["movements"] == after["movements"]

        database = Database(MONGODB, billing.database)
        try:
            entry = await database["ledger"].find_one({"_id": retention.access_key})
            stored = await database["withholdings"].count_documents({})
        finally:
            await database.close()
        assert entry is not None and entry["kind"] == "withholding"
        assert stored == 1
        # WithholdingReceived rides on the ledger entry's outbox: published and pulled, or still
        # there (the shared stack's Kafka ACLs follow main's code until it is restarted).
        assert [e["topic"] for e in entry.get(OUTBOX_FIELD, [])] in (
            [],
            ["billing.withholding-received"],
        )
    finally:
        billing.stop()
