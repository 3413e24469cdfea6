"""POST /v1/admin/withholdings through the app's routing (201, 409 with the first id, 422 per
field, 415, 403) and the statement's withholdings term."""

from datetime import date
from decimal import Decimal

import httpx

from billing.api.routes import statements, withholdings
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement
from services.billing.tests.retentions import authorized
from services.billing.tests.unit.route_fakes import CUSTOMER, OPERATOR, routes_app
from services.billing.tests.unit.withholding_fakes import (
    WithholdingBilling,
    our_factura,
    retention,
    service,
)

# --- the statement ----------------------------------------------------------------------------


def test_the_statement_counts_withholdings_in_the_balance_due() -> None:
    period = BillingPeriod.of("2026-11")
    movements = [
        Movement(date(2026, 11, 1), "invoice", "Factura", Decimal("11.50"), "f", "2026-11"),
        Movement(date(2026, 11, 5), "withholding", "Retención", Decimal("-1.33"), "k"),
        Movement(date(2026, 11, 6), "payment", "Pago", Decimal("-10.17"), "p"),
    ]
    statement = build_statement(period, movements, due_days=15)
    assert statement.withholdings == Decimal("1.33")
    assert statement.payments == Decimal("10.17")
    assert statement.balance_due == Decimal("0.00")
    later = build_statement(BillingPeriod.of("2026-12"), movements, due_days=15)
    assert later.previous_balance == Decimal("0.00") and later.withholdings == Decimal("0.00")


# --- the route ----------------------------------------------------------------------------------


def client(svc: WithholdingBilling) -> httpx.AsyncClient:
    app = routes_app(svc, withholdings.router, statements.router)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


XML = {"Content-Type": "application/xml"}


async def test_route_201_then_409_with_the_first_id() -> None:
    invoice = our_factura()
    svc = service(invoice)
    body = authorized(retention(invoice))
    async with client(svc) as http:
        created = await http.post("/v1/admin/withholdings", content=body, headers=OPERATOR | XML)
        again = await http.post("/v1/admin/withholdings", content=body, headers=OPERATOR | XML)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["amount"] == "1.33" and out["account_id"] == "acc-agent"
    assert out["invoice_ids"] == [invoice.invoice_id]
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "withholding_duplicate"
    assert again.json()["error"]["withholding_id"] == out["withholding_id"]


async def test_route_422_names_the_field_in_spanish() -> None:
    invoice = our_factura()
    body = authorized(retention(invoice, subject_ruc="1790016919001"))
    async with client(service(invoice)) as http:
        answer = await http.post(
            "/v1/admin/withholdings", content=body, headers=OPERATOR | {"Content-Type": "text/xml"}
        )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and "no es nuestro RUC" in error["fields"]["ruc"]


async def test_route_415_for_json_and_403_for_customers() -> None:
    invoice = our_factura()
    body = authorized(retention(invoice))
    async with client(service(invoice)) as http:
        as_json = await http.post(
            "/v1/admin/withholdings",
            content=body,
            headers=OPERATOR | {"Content-Type": "application/json"},
        )
        customer = await http.post("/v1/admin/withholdings", content=body, headers=CUSTOMER | XML)
        empty = await http.post("/v1/admin/withholdings", content=b"  ", headers=OPERATOR | XML)
    assert as_json.status_code == 415
    assert as_json.json()["error"]["code"] == "unsupported_media_type"
    assert customer.status_code == 403
    assert empty.status_code == 422 and "xml" in empty.json()["error"]["fields"]
