"""The reads customers share with operators, on fakes: a customer reaches the invoices of the
lines they hold (on that line's account), another customer or a line they do not hold gets the
same 404 as an unknown id, operators reach everything."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from billing.api.routes import invoices
from billing.domain.ownership import LineHolding
from billing.domain.periods import BillingPeriod
from billing.domain.submission import State
from services.billing.tests.unit.fakes import FakeLineHolders, fake_app
from services.billing.tests.unit.invoice_fakes import account, record
from services.billing.tests.unit.route_fakes import (
    CUSTOMER,
    NO_ROLE,
    OPERATOR,
    OTHER_CUSTOMER,
    RoutedBilling,
    routes_app,
)
from tests.support import access_token_for

MOBILE, LANDLINE, OTHER = "+593991234567", "+59322345678", "+593987654321"
NOT_FOUND = {"error": {"code": "not_found", "message": "No encontramos esa factura."}}


@pytest.fixture
def svc() -> RoutedBilling:
    """acc-a has the mobile and the landline since 2026-09; acc-old had the mobile before (the
    number was recycled); acc-c has another mobile. Customer c-1 holds acc-a's two lines, c-2
    the other mobile."""
    service = RoutedBilling()
    add = service.invoices.add
    add(bill(1, "acc-old", "2026-08", MOBILE))
    add(bill(2, "acc-a", "2026-09", MOBILE, LANDLINE))
    add(bill(3, "acc-a", "2026-10", MOBILE, LANDLINE))
    add(bill(4, "acc-c", "2026-10", OTHER))
    service.line_holders = FakeLineHolders(
        LineHolding("l1", "c-1", MOBILE, "acc-a"),
        LineHolding("l2", "c-1", LANDLINE, "acc-a"),
        LineHolding("l3", "c-2", OTHER, "acc-c"),
    )
    return service


def bill(sequential: int, account_id: str, period: str, *numbers: str) -> dict[str, Any]:
    """The invoice of ``account_id`` for ``period``, billing ``numbers``."""
    subscriptions = tuple(account(account_id, number).subscriptions[0] for number in numbers)
    owner = account(account_id, subscriptions=subscriptions)
    doc = record(sequential, owner, period=BillingPeriod.of(period))
    assert doc["lines_numbers"] == list(numbers)
    return doc


@pytest.fixture
def client(svc: RoutedBilling) -> Iterator[TestClient]:
    with TestClient(routes_app(svc, invoices.router), follow_redirects=False) as test_client:
        yield test_client


def invoice_id(sequential: int) -> str:
    return f"1790011674001-001-001-{sequential:09d}"


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["invoice_id"] for row in response.json()]


@pytest.mark.parametrize(
    "typed", ["0991234567", "991234567", "99 123 4567", "+593 99 123 4567", "099-123-4567"]
)
def test_a_customers_line_in_any_typed_form(client: TestClient, typed: str) -> None:
    mine = client.get("/v1/invoices", params={"line": typed}, headers=CUSTOMER)
    assert ids(mine) == [invoice_id(3), invoice_id(2)]  # newest first; not acc-old's
    assert mine.json()[0]["account_id"] == "acc-a" and mine.json()[0]["period"] == "2026-10"


def test_a_fixed_line_too(client: TestClient) -> None:
    landline = client.get("/v1/invoices", params={"line": "(02) 234-5678"}, headers=CUSTOMER)
    assert ids(landline) == [invoice_id(3), invoice_id(2)]


def test_operators_get_every_invoice_of_a_number(client: TestClient) -> None:
    every = client.get("/v1/invoices", params={"line": "0991234567"}, headers=OPERATOR)
    assert ids(every) == [invoice_id(3), invoice_id(2), invoice_id(1)]
    nobody = client.get("/v1/invoices", params={"line": "0999999999"}, headers=OPERATOR)
    assert ids(nobody) == []


def test_a_line_the_caller_does_not_hold(client: TestClient) -> None:
    theirs = client.get("/v1/invoices", params={"line": "0987654321"}, headers=CUSTOMER)
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "not_found"
    nobody = client.get("/v1/invoices", params={"line": "0999999999"}, headers=CUSTOMER)
    assert nobody.status_code == 404 and nobody.json() == theirs.json()
    assert ids(client.get("/v1/invoices", params={"line": OTHER}, headers=OTHER_CUSTOMER)) == [
        invoice_id(4)
    ]


def test_refusals_before_ownership(client: TestClient) -> None:
    bad = client.get("/v1/invoices", params={"line": "12"}, headers=CUSTOMER)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {
        "line": "El número no es un teléfono válido de Ecuador."
    }
    missing = client.get("/v1/invoices", headers=CUSTOMER)
    assert missing.json()["error"]["fields"] == {"line": "Este campo es obligatorio."}
    assert client.get("/v1/invoices", params={"line": MOBILE}).status_code == 401
    assert client.get("/v1/invoices", params={"line": MOBILE}, headers=NO_ROLE).status_code == 403
    # The account listing stays the operator's.
    listing = client.get("/v1/admin/invoices", params={"account_id": "acc-a"}, headers=CUSTOMER)
    assert listing.status_code == 403


def test_one_invoice_for_its_owner_only(client: TestClient, svc: RoutedBilling) -> None:
    own, old = invoice_id(3), invoice_id(1)
    detail = client.get(f"/v1/invoices/{own}", headers=CUSTOMER)
    assert detail.status_code == 200 and detail.json()["lines"] == [MOBILE, LANDLINE]
    assert client.get(f"/v1/invoices/{own}", headers=OPERATOR).json() == detail.json()
    for caller, wanted in [(OTHER_CUSTOMER, own), (CUSTOMER, old), (CUSTOMER, "nope")]:
        hidden = client.get(f"/v1/invoices/{wanted}", headers=caller)
        assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)


def test_removing_the_lines_ends_the_access(client: TestClient, svc: RoutedBilling) -> None:
    for line_id, number in [("l1", MOBILE), ("l2", LANDLINE)]:
        svc.line_holders.lines[line_id] = LineHolding(line_id, "c-1", number, "acc-a", True)
    assert client.get(f"/v1/invoices/{invoice_id(3)}", headers=CUSTOMER).status_code == 404
    gone = client.get("/v1/invoices", params={"line": MOBILE}, headers=CUSTOMER)
    assert gone.status_code == 404


def test_the_xml_and_the_ride_for_the_owner(client: TestClient, svc: RoutedBilling) -> None:
    own = invoice_id(3)
    early = client.get(f"/v1/invoices/{own}/xml", headers=CUSTOMER)
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_authorized"
    not_rendered = client.get(f"/v1/invoices/{own}/ride", headers=CUSTOMER)
    assert not_rendered.status_code == 409
    assert not_rendered.json()["error"]["code"] == "ride_not_ready"
    svc.invoices.invoices[own].state = State.AUTHORIZED
    svc.invoices.authorized[own] = b"<autorizacion/>"
    svc.invoices.rides[own] = datetime(2026, 11, 10, tzinfo=UTC)
    xml = client.get(f"/v1/invoices/{own}/xml", headers=CUSTOMER)
    assert xml.status_code == 200 and xml.content == b"<autorizacion/>"
    ride = client.get(f"/v1/invoices/{own}/ride", headers=CUSTOMER)
    assert ride.status_code == 302
    assert ride.headers["location"].startswith("/api/rendering/v1/rides/")
    # Another customer learns nothing, not even that it is authorized or rendered.
    for path in (f"/v1/invoices/{own}/xml", f"/v1/invoices/{own}/ride"):
        hidden = client.get(path, headers=OTHER_CUSTOMER)
        assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)
    assert client.get(f"/v1/invoices/{own}/ride", headers=OPERATOR).status_code == 302


# -- a line's statement, through the app built on the account side's fakes -----------------------


def customer() -> tuple[str, dict[str, str]]:
    token = access_token_for(["customer"])
    user_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    return str(user_id), {"Authorization": f"Bearer {token}"}


def test_a_line_statement_for_its_holder_only() -> None:
    holder_id, holder = customer()
    _, stranger = customer()
    lines = FakeLineHolders()
    operator = {"Authorization": f"Bearer {access_token_for(['operator'])}"}
    http = TestClient(fake_app(line_holders=lines), headers=operator)
    body = {
        "holder": {
            "id_type": "cedula",
            "id_number": "1714307103",
            "name": "Ana Pérez",
            "address": "Quito",
            "email": "ana@correo.ec",
        },
        "cycle_day": 1,
        "payment_method": "20",
    }
    plan = {"name": "Plan Móvil 30", "service_type": "movil", "monthly_fee": "30.00"}
    assert http.put("/v1/admin/plans/M-30", json=plan).status_code == 200
    account_id = http.post("/v1/admin/accounts", json=body).json()["account_id"]
    line = {"number": "0991234567", "service_type": "movil", "plan_code": "M-30"}
    subscribed = http.post(
        f"/v1/admin/accounts/{account_id}/subscriptions", json=line | {"start_date": "2026-01-01"}
    )
    assert subscribed.status_code == 201, subscribed.text
    query = {"line": "099 123 4567", "period": "2026-01"}
    before = http.get("/v1/statement", params=query, headers=holder)
    assert before.status_code == 404  # not verified yet
    lines.lines["l1"] = LineHolding("l1", holder_id, MOBILE, account_id)
    mine = http.get("/v1/statement", params=query, headers=holder)
    assert mine.status_code == 200 and mine.json()["account_id"] == account_id
    assert http.get("/v1/statement", params=query).json() == mine.json()  # the operator
    theirs = http.get("/v1/statement", params=query, headers=stranger)
    assert (theirs.status_code, theirs.json()) == (404, before.json())
    statement = f"/v1/admin/accounts/{account_id}/statement"
    assert http.get(statement, params={"period": "2026-01"}, headers=holder).status_code == 403
    assert date.fromisoformat(mine.json()["period_start"]) == date(2026, 1, 1)
