"""The notas de crédito and débito routes on fakes: the operator issues them (201, 422, 409),
customers read those of a factura they may see and nobody else's (404, as if unknown)."""

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from billing.api.routes import invoices, notes
from billing.domain.ownership import LineHolding
from billing.domain.submission import State
from services.billing.tests.unit.fakes import FakeLineHolders
from services.billing.tests.unit.invoice_fakes import FakeSigner, account, record
from services.billing.tests.unit.route_fakes import (
    CUSTOMER,
    OPERATOR,
    OTHER_CUSTOMER,
    RoutedBilling,
    routes_app,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def svc() -> RoutedBilling:
    svc = RoutedBilling()
    svc.signer = FakeSigner  # type: ignore[attr-defined]
    svc.note_submitter = None  # type: ignore[attr-defined]
    svc.settings.late_fees_as = "debit_note"  # type: ignore[attr-defined]
    owner = account("acc-1", "0991234567")
    issued = svc.invoices.add(record(7, owner))
    svc.invoices.invoices[issued.invoice_id] = replace(issued, state=State.AUTHORIZED)
    svc.line_holders = FakeLineHolders(LineHolding("l-1", "c-1", "+593991234567", "acc-1"))
    return svc


@pytest.fixture
def client(svc: RoutedBilling) -> Iterator[TestClient]:
    with TestClient(routes_app(svc, notes.router, invoices.router)) as test_client:
        yield test_client


INVOICE = "1790011674001-001-001-000000007"


def _body(amount: str, key: str = "k-1") -> dict[str, object]:
    line = {"description": "Compensación por corte", "amount": amount, "tax_code": "4"}
    return {"reason": "Corte de servicio", "lines": [line], "idempotency_key": key}


def test_issue_and_read_a_credit_note(client: TestClient, svc: RoutedBilling) -> None:
    url = f"/v1/admin/invoices/{INVOICE}/credit-notes"
    created = client.post(url, json=_body("2.00"), headers=OPERATOR)
    assert created.status_code == 201, created.text
    note_id = created.json()["credit_note_id"]
    assert created.json() == {
        "credit_note_id": note_id,
        "number": "001-001-000000001",
        "status": "pending",
    }
    over = client.post(url, json=_body("8.01", "k-2"), headers=OPERATOR)  # 10.00 − 2.00 left
    assert over.status_code == 422 and "queda 8.00" in over.json()["error"]["fields"]["lines"]
    assert client.post(url, json=_body("1.00", "k-3"), headers=CUSTOMER).status_code == 403

    mine = client.get(f"/v1/credit-notes/{note_id}", headers=CUSTOMER)
    assert mine.status_code == 200, mine.text
    assert mine.json()["totals"] == {"subtotal": "2.00", "taxes": "0.30", "total": "2.30"}
    assert mine.json()["lines"] == [
        {"description": "Compensación por corte", "amount": "2.00", "tax_code": "4"}
    ]
    hidden = client.get(f"/v1/credit-notes/{note_id}", headers=OTHER_CUSTOMER)
    assert hidden.status_code == 404
    assert client.get(f"/v1/debit-notes/{note_id}", headers=OPERATOR).status_code == 404
    pending = client.get(f"/v1/credit-notes/{note_id}/xml", headers=CUSTOMER)
    assert pending.status_code == 409
    svc.notes.authorize(note_id, b"<autorizacion>nota</autorizacion>")
    xml = client.get(f"/v1/credit-notes/{note_id}/xml", headers=CUSTOMER)
    assert xml.status_code == 200 and xml.content == b"<autorizacion>nota</autorizacion>"
    assert client.get(f"/v1/credit-notes/{note_id}/xml", headers=OTHER_CUSTOMER).status_code == 404

    listed = client.get(f"/v1/invoices/{INVOICE}", headers=CUSTOMER).json()["notes"]
    assert listed == [
        {
            "note_id": note_id,
            "kind": "credit_note",
            "number": "001-001-000000001",
            "status": "authorized",
            "total": "2.30",
        }
    ]


def test_debit_note_and_refusals(client: TestClient, svc: RoutedBilling) -> None:
    created = client.post(
        f"/v1/admin/invoices/{INVOICE}/debit-notes", json=_body("3.00"), headers=OPERATOR
    )
    assert created.status_code == 201, created.text
    assert set(created.json()) == {"debit_note_id", "number", "status"}
    unknown = client.post(
        "/v1/admin/invoices/1790011674001-001-001-000000099/credit-notes",
        json=_body("1.00"),
        headers=OPERATOR,
    )
    assert unknown.status_code == 404
    svc.invoices.invoices[INVOICE] = replace(svc.invoices.invoices[INVOICE], state=State.RETURNED)
    refused = client.post(
        f"/v1/admin/invoices/{INVOICE}/credit-notes", json=_body("1.00", "k-9"), headers=OPERATOR
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invoice_not_authorized"
