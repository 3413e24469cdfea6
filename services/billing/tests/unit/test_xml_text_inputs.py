"""Text no XML 1.0 document can carry is refused where it enters billing (issue 11, item 8): a
422 naming the field, in Spanish, for the body, the query and the path alike — not accepted and
stored to make a bill run's XML builder raise later. The domain refuses it too (imports, data
that did not come through the API)."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from billing.domain.accounts import Holder, Plan
from billing.domain.invoice import NotXmlText, clean_text
from common.errors import InvalidInput
from common.text import non_xml_char, non_xml_fields
from services.billing.tests.unit.fakes import FakePlans, fake_app
from tests.support import access_token_for

OPERATOR = {"Authorization": f"Bearer {access_token_for(['operator'])}"}
HOLDER = {
    "id_type": "cedula",
    "id_number": "1714307103",
    "name": "María Pérez",
    "address": "Quito",
    "email": "maria@correo.ec",
    "phone": "0991234567",
}
PLAN = {"name": "Plan", "service_type": "movil", "monthly_fee": "10.00", "tax_code": "4"}
REFUSED = ["\ufffe", "\uffff", "\x00", "\x01", "\x1b", "\ud800", "\udfff"]


@pytest.fixture
def client() -> Iterator[TestClient]:
    plans = FakePlans(Plan("M-30", "Plan Móvil 30", "movil", Decimal("30.00")))
    yield TestClient(fake_app(plans=plans), headers=OPERATOR)


def refusal(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "validation_error"
    return error


def message(code_point: str) -> str:
    return f"Contiene un carácter no permitido ({code_point}); revisa el texto."


@pytest.mark.parametrize("char", REFUSED)
def test_a_holder_name_xml_cannot_carry_is_refused(client: TestClient, char: str) -> None:
    # Raw JSON: a lone surrogate can only travel escaped (\ud800), as a client would send it.
    escaped = f"\\u{ord(char):04x}"
    holder = json.dumps(HOLDER | {"name": "Ana ESCAPED"}).replace("ESCAPED", escaped)
    body = f'{{"holder": {holder}, "cycle_day": 1, "payment_method": "20"}}'
    response = client.post(
        "/v1/admin/accounts", content=body, headers={"Content-Type": "application/json"}
    )
    assert refusal(response)["fields"] == {"holder.name": message(f"U+{ord(char):04X}")}


def test_every_field_and_every_input_is_checked(client: TestClient) -> None:
    body = {"holder": HOLDER | {"address": "Av. \ufffe", "email": "a\x00@b.ec"}, "cycle_day": 1}
    fields = refusal(client.post("/v1/admin/accounts", json=body))["fields"]
    assert fields == {"holder.address": message("U+FFFE"), "holder.email": message("U+0000")}
    plan = refusal(client.put("/v1/admin/plans/M-40", json=PLAN | {"name": "Plan \uffff"}))
    assert plan["fields"] == {"name": message("U+FFFF")}
    query = refusal(client.get("/v1/admin/accounts", params={"id_number": "17\x00"}))
    assert query["fields"] == {"id_number": message("U+0000")}
    path = refusal(client.get("/v1/admin/accounts/acc%00"))
    assert path["fields"] == {"account_id": message("U+0000")}
    issuer = refusal(client.put("/v1/admin/issuer", json={"razon_social": "Demo \x07 S.A."}))
    assert issuer["fields"] == {"razon_social": message("U+0007")}


def test_what_a_route_does_not_read_is_not_judged(client: TestClient) -> None:
    """Found by tests/e2e/test_api_contract.py: a member the body's model does not name (an
    extension a client adds), or a query parameter the route does not take, was refused for a
    character XML cannot carry although billing ignores it and never stores it."""
    extra = {"nota\x00": "\ufffe", "otros": [{"x": "\x01"}]}
    body = {"holder": HOLDER | extra, "cycle_day": 1, "payment_method": "20"} | extra
    created = client.post("/v1/admin/accounts", json=body, params={"debug": "\x07"})
    assert created.status_code == 201, created.text
    issuer = {
        "razon_social": "Demo \x07 S.A.",
        "establishments": [{"address": "\x00", "z": "\x00"}],
    }
    fields = refusal(client.put("/v1/admin/issuer", json=issuer | extra))["fields"]
    assert fields == {
        "razon_social": message("U+0007"),
        "establishments.0.address": message("U+0000"),
    }


def test_text_xml_can_carry_is_accepted(client: TestClient) -> None:
    # Tabs and newlines are XML (and become spaces); accents, ñ, emoji outside the BMP too.
    body = {"holder": HOLDER | {"name": "Ñandú\tPérez 😀", "address": "Quito\nEC"}}
    response = client.post(
        "/v1/admin/accounts", json=body | {"cycle_day": 1, "payment_method": "20"}
    )
    assert response.status_code == 201, response.text
    account = client.get(f"/v1/admin/accounts/{response.json()['account_id']}").json()
    assert account["holder"]["name"] == "Ñandú Pérez 😀"


def test_the_domain_refuses_it_too() -> None:
    for char in REFUSED:
        with pytest.raises(NotXmlText):
            clean_text(f"a{char}", what="name")
    with pytest.raises(InvalidInput) as error:
        Holder("cedula", "1714307103", "Ana \ufffe", "Quito", "ana@correo.ec", "")
    assert error.value.fields == {"name": message("U+FFFE")}
    with pytest.raises(InvalidInput) as error:
        Holder("cedula", "1714307103", "Ana", "Quito", "an\ufffea@correo.ec", "")
    assert error.value.fields == {"email": message("U+FFFE")}


def test_the_shared_check() -> None:
    assert non_xml_char("Quito\t\n\r €😀\ud7ff\ue000\ufffd") is None
    assert [non_xml_char(f"x{c}") for c in REFUSED] == REFUSED
    body = {"a": ["ok", {"b\x00": "ok", "c": "\ufffe"}], "d": 1}
    assert list(non_xml_fields(body)) == [("a.1.b\x00", "\x00"), ("a.1.c", "\ufffe")]
