"""Detail lines end to end (issue 12, item 9): a billing process of the test's own (its port and
database, a random issuer RUC) against the stack's FerretDB, Kafka and SRI sandbox. An account
with a line and two usage charges is billed; the sandbox authorizes the factura, whose detalles
name their line and period and carry the usage's cantidad, unidadMedida and tax."""

import random
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from billing.domain.periods import BillingPeriod
from rendering.domain.parse import read_ride
from rendering.domain.ride import Field
from tests.billing_support import (
    PLAN,
    billing_with_issuer,
    holder,
    mobile_number,
    operator_headers,
    start_bill_run,
    wait_bill_run,
)

PERIOD = BillingPeriod.of("2026-11")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client


def _national(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"  # 0991234567 → 099 123 4567


async def test_usage_charges_are_authorized_as_lines_with_their_details(
    client: httpx.AsyncClient,
) -> None:
    billing = await billing_with_issuer(client)
    try:
        url, number = billing.url, mobile_number(random.Random())
        account = await client.post(
            f"{url}/admin/accounts",
            json={"holder": holder(), "cycle_day": 1, "payment_method": "20"},
        )
        account_id = account.json()["account_id"]
        line = {"number": number, "service_type": "movil", "plan_code": PLAN["code"]}
        line["start_date"] = "2026-01-01"
        added = await client.post(f"{url}/admin/accounts/{account_id}/subscriptions", json=line)
        assert added.status_code == 201, added.text
        charges = f"{url}/admin/accounts/{account_id}/charges"
        common = {"tax_code": "4", "period": PERIOD.label}
        data = common | {"description": "1,5 GB", "amount": "3.00", "idempotency_key": "d"}
        data |= {"kind": "excess_data", "number": number, "quantity": "1536", "unit": "MB"}
        third = common | {"description": "Contenido", "amount": "4.99", "idempotency_key": "t"}
        third |= {"kind": "third_party", "tax_code": "0"}
        for body in (data, third):
            response = await client.post(charges, json=body)
            assert response.status_code == 201, response.text

        run = await wait_bill_run(client, url, await start_bill_run(client, url, PERIOD))
        assert (run["status"], run["authorized"]) == ("completed", 1), run
        [row] = (
            await client.get(f"{url}/admin/invoices", params={"account_id": account_id})
        ).json()
        xml = await client.get(f"{url}/invoices/{row['invoice_id']}/xml")
        assert xml.status_code == 200, xml.text
        ride = read_ride(xml.content)
    finally:
        await billing.stop_and_drop()

    plan, usage, content = ride.lines
    month = Field("Periodo", "01/11/2026 al 30/11/2026")
    assert plan.details == usage.details == (Field("Línea", _national(number)), month)
    assert content.details == (month,)
    assert (usage.code, usage.unit, usage.quantity, usage.total) == (
        "DATOS-ADIC",
        "MB",
        Decimal("1536.000000"),
        Decimal("3.00"),
    )
    assert [t.rate_code for t in usage.taxes] == ["4"]
    assert (content.code, content.description) == ("TERCEROS", "Servicios de terceros: Contenido")
    assert [(t.rate_code, t.value) for t in content.taxes] == [("0", Decimal("0.00"))]
