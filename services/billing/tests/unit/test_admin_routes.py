"""The operator routes on fakes (the app built, its lifespan never entered): status codes, the
error body ``{"error": {"code", "message", "fields"?}}`` and the response shapes."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from billing.domain.accounts import Plan
from services.billing.tests.unit.fakes import FakeLedger, FakePlans, fake_app
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
LINE = {"number": "0991234567", "service_type": "movil", "plan_code": "M-30"}


@pytest.fixture
def ledger() -> FakeLedger:
    return FakeLedger()


@pytest.fixture
def client(ledger: FakeLedger) -> Iterator[TestClient]:
    plans = FakePlans(Plan("M-30", "Plan Móvil 30", "movil", Decimal("30.00")))
    yield TestClient(fake_app(plans=plans, ledger=ledger), headers=OPERATOR)


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def new_account(client: TestClient, **changes: Any) -> str:
    body = {"holder": HOLDER, "cycle_day": 1, "payment_method": "20"} | changes
    response = client.post("/v1/admin/accounts", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["account_id"])


def test_operators_only(client: TestClient) -> None:
    assert error(client.get("/v1/admin/plans", headers={"Authorization": ""}), 401)
    customer = {"Authorization": f"Bearer {access_token_for(['customer'])}"}
    refused = error(client.post("/v1/admin/accounts", json={}, headers=customer), 403)
    assert refused == {"code": "forbidden", "message": "No tienes permiso para esta acción."}
    statement = f"/v1/admin/accounts/{new_account(client)}/statement"
    assert error(client.get(statement, params={"period": "2026-01"}, headers=customer), 403)
    # A line's statement is open to customers: a line they do not hold is not found.
    query = {"line": "0991234567", "period": "2025-11"}
    assert error(client.get("/v1/statement", params=query, headers=customer), 404)
    no_role = {"Authorization": f"Bearer {access_token_for([])}"}
    assert error(client.get("/v1/statement", params=query, headers=no_role), 403)


def test_422_names_the_request_field(client: TestClient) -> None:
    bad = HOLDER | {"id_number": "1714307104"}
    body = {"holder": bad, "cycle_day": 1, "payment_method": "20"}
    assert error(client.post("/v1/admin/accounts", json=body), 422) == {
        "code": "validation_error",
        "message": "Revisa los datos ingresados.",
        "fields": {"holder.id_number": "La cédula no es válida."},
    }
    number = client.put("/v1/admin/plans/M-1", json={"name": "M", "service_type": "movil"})
    assert error(number, 422)["fields"] == {"monthly_fee": "Este campo es obligatorio."}
    as_float = {"name": "M", "service_type": "movil", "monthly_fee": 12.5}
    float_fee = error(client.put("/v1/admin/plans/M-1", json=as_float), 422)
    assert float_fee["fields"] == {"monthly_fee": "Debe ser un texto."}
    line = client.get("/v1/statement", params={"line": "1", "period": "2025-11"})
    assert error(line, 422)["fields"] == {"line": "El número de teléfono no es válido."}


def test_404s(client: TestClient) -> None:
    assert error(client.get("/v1/admin/issuer"), 404) == {
        "code": "not_found",
        "message": "El emisor aún no está configurado.",
    }
    missing = error(client.get("/v1/admin/accounts/nope"), 404)
    assert missing["message"] == "No existe una cuenta con ese identificador."
    account_id = new_account(client)
    path = f"/v1/admin/accounts/{account_id}/subscriptions/nope/end"
    unknown = error(client.post(path, json={"end_date": "2026-01-31"}), 404)
    assert unknown["message"] == "La cuenta no tiene esa suscripción."
    no_line = client.get("/v1/statement", params={"line": "0991234567", "period": "2025-11"})
    assert error(no_line, 404)["message"] == "Esta línea no tuvo una suscripción en ese periodo."


def test_409s(client: TestClient) -> None:
    first = new_account(client, idempotency_key="alta-1")
    assert new_account(client, idempotency_key="alta-1") == first
    body = {"holder": HOLDER, "cycle_day": 15, "payment_method": "20", "idempotency_key": "alta-1"}
    replayed = "Esta clave de idempotencia ya se usó con datos diferentes."
    assert error(client.post("/v1/admin/accounts", json=body), 409) == {
        "code": "idempotency_conflict",
        "message": replayed,
        "fields": {"idempotency_key": replayed},
    }
    path = f"/v1/admin/accounts/{first}/subscriptions"
    added = client.post(path, json=LINE | {"start_date": "2026-01-01", "end_date": "2026-01-31"})
    assert added.status_code == 201, added.text
    other = f"/v1/admin/accounts/{new_account(client)}/subscriptions"
    in_use = "Este número ya tiene una suscripción vigente en esas fechas."
    assert error(client.post(other, json=LINE | {"start_date": "2026-01-15"}), 409) == {
        "code": "number_in_use",
        "message": in_use,
        "fields": {"number": in_use},
    }
    end = f"{path}/{added.json()['subscription_id']}/end"
    later = "La suscripción ya termina el 31/01/2026; no se puede extender."
    assert error(client.post(end, json={"end_date": "2026-02-28"}), 409) == {
        "code": "already_ended",
        "message": later,
        "fields": {"end_date": later},
    }


def test_responses_carry_money_as_decimal_strings(client: TestClient, ledger: FakeLedger) -> None:
    account_id = new_account(client)
    path = f"/v1/admin/accounts/{account_id}"
    sub = client.post(f"{path}/subscriptions", json=LINE | {"start_date": "2026-01-01"})
    assert sub.json() | {"subscription_id": "s"} == {
        "subscription_id": "s",
        "number": "+593991234567",
        "service_type": "movil",
        "plan_code": "M-30",
        "start_date": "2026-01-01",
        "end_date": None,
        "monthly_discount": "0.00",
    }
    charge = {
        "description": "SIM",
        "amount": "5.5",
        "tax_code": "4",
        "period": "2026-02",
        "idempotency_key": "k",
    }
    charged = client.post(f"{path}/charges", json=charge)
    assert charged.status_code == 201 and charged.json()["amount"] == "5.50"
    payment = {
        "account_id": account_id,
        "amount": "20",
        "paid_at": "2026-03-05T10:30:00",
        "channel": "banco",
        "idempotency_key": "p",
    }
    first = client.post("/v1/admin/payments", json=payment)
    assert client.post("/v1/admin/payments", json=payment).json() == first.json()
    assert first.status_code == 201 and first.json()["amount"] == "20.00"
    assert first.json()["paid_at"] == "2026-03-05T15:30:00Z" and len(ledger.events) == 1
    statement = client.get(f"{path}/statement", params={"period": "2026-03"}).json()
    assert (statement["payments"], statement["balance_due"]) == ("20.00", "-20.00")
    assert statement["movements"][0]["amount"] == "-20.00"
    plans = client.get("/v1/admin/plans").json()
    assert plans[0]["monthly_fee"] == "30.00"
    assert plans[0]["taxes"] == [{"tax": "IVA", "code": "4", "rate": "15"}]


def test_issuer_designations_are_optional(client: TestClient) -> None:
    """agente_retencion and gran_contribuyente: absent or blank is not designated (null)."""
    body = {
        "ruc": "1790011674001",
        "razon_social": "Telco S.A.",
        "dir_matriz": "Quito",
        "obligado_contabilidad": True,
        "ambiente": "pruebas",
        "establishments": [{"code": "001", "address": "Quito", "emission_points": ["001"]}],
        "billing_point": {"establishment": "001", "emission_point": "001"},
    }
    plain = client.put("/v1/admin/issuer", json=body)
    assert plain.status_code == 200, plain.text
    assert (plain.json()["agente_retencion"], plain.json()["gran_contribuyente"]) == (None, None)
    designations = {"agente_retencion": "12", "gran_contribuyente": "NAC-DGERCGC21-00000001"}
    designated = client.put("/v1/admin/issuer", json=body | designations)
    assert designated.status_code == 200, designated.text
    assert designated.json() == plain.json() | designations == client.get("/v1/admin/issuer").json()
    refused = client.put("/v1/admin/issuer", json=body | {"gran_contribuyente": "NAC 21"})
    assert list(error(refused, 422)["fields"]) == ["gran_contribuyente"]


def test_an_account_for_the_issuers_own_ruc_is_422(client: TestClient) -> None:
    issuer = {
        "ruc": "1790011674001",
        "razon_social": "Telco S.A.",
        "dir_matriz": "Quito",
        "obligado_contabilidad": True,
        "ambiente": "pruebas",
        "establishments": [{"code": "001", "address": "Quito", "emission_points": ["001"]}],
        "billing_point": {"establishment": "001", "emission_point": "001"},
    }
    assert client.put("/v1/admin/issuer", json=issuer).status_code == 200
    own = HOLDER | {"id_type": "ruc", "id_number": "1790011674001"}
    body = {"holder": own, "cycle_day": 1, "payment_method": "20"}
    assert error(client.post("/v1/admin/accounts", json=body), 422) == {
        "code": "validation_error",
        "message": "Revisa los datos ingresados.",
        "fields": {
            "holder.id_number": "Es la identificación del propio emisor: un contribuyente no se "
            "factura a sí mismo. Usa la identificación del cliente."
        },
    }
    assert client.get("/v1/admin/accounts", params={"id_number": "1790011674001"}).json() == []
    new_account(client, holder=HOLDER | {"id_type": "ruc", "id_number": "1790085783001"})


def test_an_accounts_holder_and_forma_pago_are_corrected_not_its_identification(
    client: TestClient,
) -> None:
    account_id = new_account(client)
    url = f"/v1/admin/accounts/{account_id}"
    fixed = HOLDER | {"name": "  Ana María Pérez ", "address": "Av. Amazonas N34-12"}
    changed = client.patch(url, json={"holder": fixed, "payment_method": "19"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["holder"]["name"], body["payment_method"]) == ("Ana María Pérez", "19")
    assert client.get(url).json() == body
    only_method = client.patch(url, json={"payment_method": "01"}).json()
    assert (only_method["holder"], only_method["payment_method"]) == (body["holder"], "01")
    other = HOLDER | {"id_number": "1710034065"}
    refused = error(client.patch(url, json={"holder": other}), 422)
    assert "no se cambia" in refused["fields"]["holder.id_number"]
    bad_email = error(client.patch(url, json={"holder": HOLDER | {"email": "x"}}), 422)
    assert "holder.email" in bad_email["fields"]
    assert error(client.patch("/v1/admin/accounts/nope", json={"payment_method": "01"}), 404)
    assert client.get(url).json()["payment_method"] == "01"
