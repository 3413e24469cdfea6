"""The HTTP contract (docs/api.md §lines) through the real app on the fakes."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from services.lines.tests.unit.fakes import FIXED, MOBILE, Fakes, bearer, invoice, subscription

ANA, LUIS = bearer("user-ana"), bearer("user-luis")


def generar(client: TestClient, number: str = "0991234567", kind: str = "movil") -> Any:
    response = client.post("/v1/lines", json={"service_type": kind, "number": number}, headers=ANA)
    assert response.status_code == 201, response.text
    return response.json()


def test_every_route_needs_a_customer_token(client: TestClient) -> None:
    for method, path in [
        ("get", "/v1/service-types"),
        ("get", "/v1/lines"),
        ("post", "/v1/lines"),
        ("get", "/v1/lines/x"),
        ("delete", "/v1/lines/x"),
        ("post", "/v1/lines/x/verification"),
        ("post", "/v1/lines/x/verification/resend"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
    operator = client.get("/v1/lines", headers=bearer("op", ("operator",)))
    assert operator.status_code == 403


def test_service_types(client: TestClient) -> None:
    response = client.get("/v1/service-types", headers=ANA)
    assert response.json() == [
        {"code": "movil", "name": "Móvil"},
        {"code": "fijo", "name": "Fijo"},
        {"code": "internet", "name": "Internet"},
        {"code": "tv", "name": "TV"},
    ]


async def test_generar_then_aceptar(client: TestClient, fakes: Fakes) -> None:
    await fakes.subscribe()
    created = generar(client, "+593 99 123 4567")
    assert created == {
        "line_id": created["line_id"],
        "number": MOBILE,
        "service_type": "movil",
        "status": "pending_verification",
        "sent_to": "09•••••567",
        "resend_after": 60,
        "expires_in": 600,
    }
    code = fakes.sms()[0].code
    path = f"/v1/lines/{created['line_id']}/verification"
    response = client.post(path, json={"code": code}, headers=ANA)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "line_id": created["line_id"],
        "number": MOBILE,
        "service_type": "movil",
        "status": "verified",
    }
    again = client.post(
        "/v1/lines", json={"service_type": "movil", "number": "0991234567"}, headers=ANA
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_registered"


async def test_a_wrong_code_says_how_many_tries_are_left(client: TestClient, fakes: Fakes) -> None:
    await fakes.subscribe()
    line_id = generar(client)["line_id"]
    wrong = f"{(int(fakes.sms()[0].code) + 1) % 10**6:06d}"
    path = f"/v1/lines/{line_id}/verification"
    response = client.post(path, json={"code": wrong}, headers=ANA)
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "Revisa los datos ingresados.",
            "fields": {"code": "Código incorrecto. Te quedan 4 intentos."},
            "attempts_left": 4,
        }
    }
    for _ in range(3):
        client.post(path, json={"code": wrong}, headers=ANA)
    last = client.post(path, json={"code": wrong}, headers=ANA)
    assert last.status_code == 410 and last.json()["error"]["code"] == "code_attempts_exhausted"


async def test_an_expired_code_is_gone(client: TestClient, fakes: Fakes) -> None:
    await fakes.subscribe()
    line_id = generar(client)["line_id"]
    fakes.now += timedelta(minutes=10)
    path = f"/v1/lines/{line_id}/verification"
    response = client.post(path, json={"code": fakes.sms()[0].code}, headers=ANA)
    assert response.status_code == 410 and response.json()["error"]["code"] == "code_expired"


async def test_refusals_of_generar(client: TestClient, fakes: Fakes) -> None:
    await fakes.subscribe(subscription(FIXED, "fijo", contact_mobile=None))
    cases = [
        ({"service_type": "movil", "number": "(02) 234-5678"}, "validation_error", "number"),
        ({"service_type": "radio", "number": "0991234567"}, "validation_error", "service_type"),
        ({"service_type": "movil", "number": "0991234567"}, "not_a_subscriber", "number"),
        ({"service_type": "fijo", "number": "022345678"}, "no_contact_mobile", "number"),
        ({"service_type": "movil"}, "validation_error", "number"),
    ]
    for body, code, field in cases:
        response = client.post("/v1/lines", json=body, headers=ANA)
        assert response.status_code == 422, body
        error = response.json()["error"]
        assert (error["code"], list(error["fields"])) == (code, [field]), body
    assert fakes.sms() == []


async def test_resend_and_its_cooldown(client: TestClient, fakes: Fakes) -> None:
    await fakes.subscribe()
    line_id = generar(client)["line_id"]
    path = f"/v1/lines/{line_id}/verification/resend"
    fakes.now += timedelta(seconds=45)
    early = client.post(path, headers=ANA)
    assert early.status_code == 429 and early.headers["retry-after"] == "15"
    assert early.json()["error"]["code"] == "code_cooldown"
    fakes.now += timedelta(seconds=15)
    response = client.post(path, headers=ANA)
    assert response.status_code == 202
    assert response.json() == {"sent_to": "09•••••567", "resend_after": 60, "expires_in": 600}
    assert len(fakes.sms()) == 2


async def test_list_consult_and_remove(client: TestClient, fakes: Fakes) -> None:
    await fakes.subscribe(subscription(plan_name="Plan Móvil 30"))
    line_id = generar(client)["line_id"]
    client.post(
        f"/v1/lines/{line_id}/verification", json={"code": fakes.sms()[0].code}, headers=ANA
    )
    await fakes.invoices.record(MOBILE, invoice(period="2026-02"))
    listed = client.get("/v1/lines", headers=ANA).json()
    assert listed == [
        {"line_id": line_id, "number": MOBILE, "service_type": "movil", "status": "verified"}
    ]
    detail = client.get(f"/v1/lines/{line_id}", headers=ANA).json()
    assert detail == listed[0] | {
        "plan_name": "Plan Móvil 30",
        "subscription_status": "active",
        "latest_invoice": {
            "invoice_id": "inv-acc-1-2026-02",
            "period": "2026-02",
            "number": "001-001-000000123",
            "total": "25.76",
            "balance_due": "30.76",
            "issue_date": "2026-02-01",
        },
    }
    assert client.delete(f"/v1/lines/{line_id}", headers=ANA).status_code == 204
    assert client.get("/v1/lines", headers=ANA).json() == []
    assert client.get(f"/v1/lines/{line_id}", headers=ANA).status_code == 404


async def test_another_users_line_is_404_everywhere(client: TestClient, fakes: Fakes) -> None:
    await fakes.subscribe()
    line_id = generar(client)["line_id"]
    code = fakes.sms()[0].code
    for response in [
        client.get(f"/v1/lines/{line_id}", headers=LUIS),
        client.delete(f"/v1/lines/{line_id}", headers=LUIS),
        client.post(f"/v1/lines/{line_id}/verification", json={"code": code}, headers=LUIS),
        client.post(f"/v1/lines/{line_id}/verification/resend", headers=LUIS),
    ]:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/v1/lines", headers=LUIS).json() == []


def test_the_openapi_document_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert sorted(paths) == [
        "/v1/lines",
        "/v1/lines/{line_id}",
        "/v1/lines/{line_id}/verification",
        "/v1/lines/{line_id}/verification/resend",
        "/v1/service-types",
    ]


def test_the_openapi_lists_the_service_types(client: TestClient) -> None:
    """Found by tests/e2e/test_api_contract.py: any string was published as a service type."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    listed = schemas["LineIn"]["properties"]["service_type"]["enum"]
    offered = client.get("/v1/service-types", headers=ANA).json()
    assert listed == [kind["code"] for kind in offered] and len(listed) >= 2
