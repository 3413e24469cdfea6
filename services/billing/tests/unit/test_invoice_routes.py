"""The bill-run and invoice routes on fakes (no lifespan, nothing connects): status codes, the
error shape and exactly the JSON the API has always answered (fields, values, their order)."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from billing.api.routes import bill_runs, invoices
from billing.domain.bill_run import AccountFailure
from billing.domain.events import InvoiceAuthorization
from billing.domain.submission import Message, State
from services.billing.tests.unit.invoice_fakes import (
    FakeIssuer,
    record,
)
from services.billing.tests.unit.route_fakes import OPERATOR, RoutedBilling, routes_app


@pytest.fixture
def svc() -> RoutedBilling:
    return RoutedBilling()


@pytest.fixture
def client(svc: RoutedBilling) -> Iterator[TestClient]:
    app = routes_app(svc, bill_runs.router, invoices.router)
    with TestClient(app) as test_client:
        yield test_client


def error(code: str, message: str, **fields: str) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda d: d.isoformat().replace("+00:00", "Z")))


# -- bill runs ---------------------------------------------------------------------------------

BODY = {"cycle_day": 1, "period": "2026-10", "issue_date": "2026-11-01"}
# 10:00 on 03/11/2026 in Ecuador: SRI still takes a factura dated 01/11 (until 04/11 24:00).
IN_WINDOW = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)


def test_start_and_reopen_a_bill_run(client: TestClient, svc: RoutedBilling) -> None:
    svc.clock = lambda: IN_WINDOW
    started = client.post("/v1/admin/bill-runs", json=BODY, headers=OPERATOR)
    assert started.status_code == 202, started.text
    [run_id] = svc.bill_runs.runs
    assert started.json() == {"bill_run_id": run_id, "status": "running"}
    again = client.post("/v1/admin/bill-runs", json=BODY, headers=OPERATOR)
    assert again.status_code == 202 and again.json() == started.json()
    assert svc.woken == 2


def test_bill_run_refusals(client: TestClient, svc: RoutedBilling) -> None:
    svc.clock = lambda: IN_WINDOW
    assert client.post("/v1/admin/bill-runs", json=BODY).status_code == 401
    forbidden = client.post(
        "/v1/admin/bill-runs", json=BODY, headers={"Authorization": "Bearer customer"}
    )
    assert forbidden.status_code == 403
    bad = client.post("/v1/admin/bill-runs", json=BODY | {"cycle_day": 30}, headers=OPERATOR)
    assert bad.status_code == 422
    assert bad.json() == error(
        "validation_error",
        "Revisa los datos ingresados.",
        cycle_day="El día de corte debe estar entre 1 y 28.",
    )
    svc.issuer = FakeIssuer(None)
    missing = client.post("/v1/admin/bill-runs", json=BODY, headers=OPERATOR)
    assert missing.status_code == 409
    assert missing.json() == error(
        "issuer_not_configured", "Configura primero los datos del emisor (RUC, matriz)."
    )
    assert not svc.bill_runs.runs


def test_an_issue_date_past_the_transmission_window_is_refused(
    client: TestClient, svc: RoutedBilling
) -> None:
    svc.clock = lambda: datetime(2026, 11, 5, 5, 0, 1, tzinfo=UTC)  # 05/11 00:00:01 in Ecuador
    late = client.post("/v1/admin/bill-runs", json=BODY, headers=OPERATOR)
    assert late.status_code == 422
    assert late.json() == error(
        "validation_error",
        "Revisa los datos ingresados.",
        issue_date="El SRI recibe los comprobantes hasta 72 horas después de su emisión: la "
        "fecha de emisión más antigua posible hoy es el 02/11/2026. Omite issue_date para emitir "
        "con la fecha de hoy (el período va en el detalle).",
    )
    assert not svc.bill_runs.runs
    today = client.post("/v1/admin/bill-runs", json=BODY | {"issue_date": None}, headers=OPERATOR)
    assert today.status_code == 202
    [run] = svc.bill_runs.runs.values()
    assert run.issue_date.isoformat() == "2026-11-05"  # the run's date


def test_read_a_bill_run(client: TestClient, svc: RoutedBilling) -> None:
    svc.clock = lambda: IN_WINDOW
    run_id = client.post("/v1/admin/bill-runs", json=BODY, headers=OPERATOR).json()["bill_run_id"]
    run = svc.bill_runs.runs[run_id]
    run.created_at = datetime(2026, 11, 10, 15, 0, 1, 123000, tzinfo=UTC)
    run.accounts_processed, run.invoices_created, run.accounts_failed = 5, 3, 1
    run.failures = [AccountFailure("acc-bad", "No se pudo facturar la cuenta: name: …")]
    response = client.get(f"/v1/admin/bill-runs/{run_id}", headers=OPERATOR)
    assert response.status_code == 200
    assert list(response.json().items()) == [
        ("bill_run_id", run_id),
        ("cycle_day", 1),
        ("period", "2026-10"),
        ("issue_date", "2026-11-01"),
        ("status", "running"),
        ("phase", "invoicing"),
        ("accounts_processed", 5),
        ("invoices", 3),
        ("authorized", 0),
        ("rejected", 0),
        ("pending", 3),
        ("failed", 1),
        ("accounts_failed", 1),
        (
            "failures",
            [{"account_id": "acc-bad", "reason": "No se pudo facturar la cuenta: name: …"}],
        ),
        ("error", None),
        ("created_at", "2026-11-10T15:00:01.123000Z"),
        ("invoiced_at", None),
        ("completed_at", None),
    ]
    unknown = client.get("/v1/admin/bill-runs/nope", headers=OPERATOR)
    assert unknown.status_code == 404
    assert unknown.json() == error("not_found", "No existe ese ciclo de facturación.")


# -- invoices ----------------------------------------------------------------------------------


def row(doc: dict[str, Any], status: str = "pending") -> dict[str, Any]:
    """An invoice in the account's list, as the API has always built it from the document."""
    return {
        "invoice_id": doc["_id"],
        "account_id": doc["account_id"],
        "period": doc["period"],
        "number": doc["number"],
        "issue_date": doc["issue_date"],
        "total": doc["totals"]["total"],
        "status": status,
    }


def test_an_accounts_invoices_newest_first(client: TestClient, svc: RoutedBilling) -> None:
    october, september = record(8), record(3)
    september["period"] = "2026-09"
    svc.invoices.add(october)
    svc.invoices.add(september)
    svc.invoices.invoices[october["_id"]].state = State.RETURNED
    response = client.get(
        "/v1/admin/invoices", params={"account_id": october["account_id"]}, headers=OPERATOR
    )
    assert response.status_code == 200
    assert response.json() == [row(october, "rejected")]
    response = client.get(
        "/v1/admin/invoices", params={"account_id": september["account_id"]}, headers=OPERATOR
    )
    assert response.json() == [row(september)]
    missing = client.get("/v1/admin/invoices", headers=OPERATOR)
    assert missing.json() == error(
        "validation_error", "Revisa los datos ingresados.", account_id="Este campo es obligatorio."
    )


def authorize(svc: RoutedBilling, doc: dict[str, Any]) -> InvoiceAuthorization:
    invoice = svc.invoices.invoices[doc["_id"]]
    authorization = InvoiceAuthorization(
        doc["access_key"], datetime(2026, 11, 10, 14, 0, 5, 250000, tzinfo=UTC), "PRUEBAS"
    )
    invoice.state, invoice.authorization = State.AUTHORIZED, authorization
    invoice.sri_messages = (Message("60", "AMBIENTE PRUEBAS", None, "INFORMATIVO"),)
    svc.invoices.authorized[doc["_id"]] = (
        b"<autorizacion><estado>AUTORIZADO</estado></autorizacion>"
    )
    return authorization


def test_one_invoice_is_its_document_as_stored(client: TestClient, svc: RoutedBilling) -> None:
    doc = record(7)
    svc.invoices.add(doc)
    pending = client.get(f"/v1/invoices/{doc['_id']}", headers=OPERATOR).json()
    authorization = authorize(svc, doc)
    response = client.get(f"/v1/invoices/{doc['_id']}", headers=OPERATOR)
    assert response.status_code == 200
    # What the route answered when it returned the document's own fields.
    expected = {
        **row(doc, "authorized"),
        "access_key": doc["access_key"],
        "authorization_number": authorization.number,
        "authorization_date": authorization.authorized_at,
        "environment": "PRUEBAS",
        "sri_state": "authorized",
        "sri_messages": [
            {
                "identifier": "60",
                "message": "AMBIENTE PRUEBAS",
                "additional_info": None,
                "kind": "INFORMATIVO",
            }
        ],
        "holder": doc["holder"],
        "lines": doc["lines_numbers"],
        "items": doc["items"],
        "totals": doc["totals"],
        "statement": doc["statement"],
        "bill_run_id": doc["bill_run_id"],
        "notes": [],  # notas de crédito and débito that modify it (none here)
    }
    assert list(response.json().items()) == list(as_json(expected).items())
    assert response.json()["authorization_date"] == "2026-11-10T14:00:05.250000Z"
    assert pending["authorization_number"] is None and pending["sri_messages"] == []
    assert pending["sri_state"] == "signed" and pending["status"] == "pending"


def test_the_fiscal_xml_once_authorized(client: TestClient, svc: RoutedBilling) -> None:
    doc = record(7)
    svc.invoices.add(doc)
    early = client.get(f"/v1/invoices/{doc['_id']}/xml", headers=OPERATOR)
    assert early.status_code == 409
    assert early.json() == error("not_authorized", "La factura aún no tiene autorización del SRI.")
    authorize(svc, doc)
    xml = client.get(f"/v1/invoices/{doc['_id']}/xml", headers=OPERATOR)
    assert xml.status_code == 200 and xml.content == svc.invoices.authorized[doc["_id"]]
    assert xml.headers["content-type"].startswith("application/xml")
    assert xml.headers["content-disposition"] == f'attachment; filename="{doc["access_key"]}.xml"'
    unknown = client.get("/v1/invoices/nope/xml", headers=OPERATOR)
    assert unknown.status_code == 404
    assert unknown.json() == error("not_found", "No encontramos esa factura.")
    assert client.get("/v1/invoices/nope", headers=OPERATOR).status_code == 404
