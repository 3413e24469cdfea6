"""billing's operator API against the real FerretDB: issuer, plans, accounts, subscriptions,
charges, payments, adjustments and statements (the app is built but not started: no Kafka)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from billing.app import build
from billing.domain.accounts import Account, Holder, Subscription
from billing.domain.bill import Charge
from billing.domain.statement import Movement
from billing.settings import BillingSettings
from billing.store import INDEXES
from billing.store.accounts import ACCOUNTS, CLAIM_GRACE, LEDGER, NUMBER_CLAIMS, NumberInUse
from common.auth import TokenVerifier
from tests.support import KAFKA, MONGODB, access_key_for, access_token_for

pytestmark = pytest.mark.stack  # FerretDB

CEDULA = "1714307103"

token = access_token_for
key_for = access_key_for


OPERATOR = {"Authorization": f"Bearer {token(['operator'])}"}


class NoInvoices:
    """Stands in for the invoice store's movements: none, or the ones a test sets."""

    def __init__(self) -> None:
        self.by_account: dict[str, list[Movement]] = {}

    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]:
        return {a: self.by_account.get(a, []) for a in account_ids}


@pytest.fixture
async def app() -> AsyncIterator[FastAPI]:
    name = f"billing_test_{uuid.uuid4().hex[:10]}"
    settings = BillingSettings(
        mongodb_url=MONGODB, mongodb_database=name, kafka_bootstrap_servers=KAFKA, app_env="test"
    )
    app = build(settings)
    await app.state.runtime.database.ensure_indexes(INDEXES)
    app.state.billing.verifier = TokenVerifier(key_for)
    try:
        yield app
    finally:
        database = app.state.runtime.database
        await database.client.drop_database(name)
        await database.close()


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://billing", headers=OPERATOR
    ) as client:
        yield client


def account_body(**changes: Any) -> dict[str, Any]:
    holder = {
        "id_type": "cedula",
        "id_number": CEDULA,
        "name": "María Pérez",
        "address": "Av. Amazonas N1-23, Quito",
        "email": "maria@correo.ec",
        "phone": "0991234567",
    }
    return {"holder": holder, "cycle_day": 1, "payment_method": "20"} | changes


def plan_body(**changes: Any) -> dict[str, Any]:
    body = {"name": "Plan Móvil 30", "service_type": "movil", "monthly_fee": "30.00"}
    return body | {"tax_code": "4"} | changes


def issuer_body(**changes: Any) -> dict[str, Any]:
    return {
        "ruc": "1790011674001",
        "razon_social": "Telco del Ecuador S.A.",
        "nombre_comercial": "Telco",
        "dir_matriz": "Av. Amazonas N1-23, Quito",
        "obligado_contabilidad": True,
        "contribuyente_especial": None,
        "agente_retencion": None,
        "ambiente": "pruebas",
        "establishments": [
            {"code": "001", "address": "Matriz, Quito", "emission_points": ["001"]},
            {"code": "002", "address": "Sucursal, Guayaquil", "emission_points": ["001", "002"]},
        ],
        "billing_point": {"establishment": "002", "emission_point": "002"},
    } | changes


async def new_account(http: httpx.AsyncClient, **changes: Any) -> str:
    response = await http.post("/v1/admin/accounts", json=account_body(**changes))
    assert response.status_code == 201, response.text
    return str(response.json()["account_id"])


async def with_line(
    http: httpx.AsyncClient, number: str = "0991234567", start: str = "2025-11-01"
) -> tuple[str, str]:
    """An account with a subscription on ``number`` (and the plan it needs)."""
    assert (await http.put("/v1/admin/plans/M-30", json=plan_body())).status_code == 200
    account_id = await new_account(http)
    response = await http.post(
        f"/v1/admin/accounts/{account_id}/subscriptions",
        json={"number": number, "service_type": "movil", "plan_code": "M-30", "start_date": start},
    )
    assert response.status_code == 201, response.text
    return account_id, str(response.json()["subscription_id"])


def fields(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return dict(response.json()["error"]["fields"])


# --- authorization --------------------------------------------------------------------------------


async def test_operators_only(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as anonymous:
        no_token = await anonymous.get("/v1/admin/plans")
        no_token_post = await anonymous.post("/v1/admin/accounts", json={})
        customer = await anonymous.get(
            "/v1/admin/plans", headers={"Authorization": f"Bearer {token(['customer'])}"}
        )
        statement = await anonymous.get(
            "/v1/statement",
            params={"line": "0991234567", "period": "2025-11"},
            headers={"Authorization": f"Bearer {token(['customer'])}"},
        )
    assert no_token.status_code == 401 and no_token_post.status_code == 401
    assert customer.status_code == 403 and customer.json()["error"]["code"] == "forbidden"
    assert statement.status_code == 403


# --- issuer ---------------------------------------------------------------------------------------


async def test_issuer_round_trip_and_domain_issuer(app: FastAPI, http: httpx.AsyncClient) -> None:
    assert (await http.get("/v1/admin/issuer")).status_code == 404
    put = await http.put("/v1/admin/issuer", json=issuer_body())
    assert put.status_code == 200, put.text
    got = await http.get("/v1/admin/issuer")
    assert got.json() == issuer_body()
    issuer = await app.state.billing.issuer.issuer()
    assert (issuer.ruc, issuer.environment) == ("1790011674001", 1)
    assert (issuer.establishment, issuer.emission_point) == ("002", "002")
    assert issuer.dir_establecimiento == "Sucursal, Guayaquil"
    await http.put("/v1/admin/issuer", json=issuer_body(ambiente="produccion"))
    assert (await app.state.billing.issuer.issuer()).environment == 2


async def test_issuer_validation(http: httpx.AsyncClient) -> None:
    assert "ruc" in fields(
        await http.put("/v1/admin/issuer", json=issuer_body(ruc="1790011675001"))
    )
    bad_point = {"establishment": "001", "emission_point": "002"}
    response = await http.put("/v1/admin/issuer", json=issuer_body(billing_point=bad_point))
    assert "billing_point" in fields(response)
    for establishment in [
        {"code": "1", "address": "Quito", "emission_points": ["001"]},
        {"code": "001", "address": " ", "emission_points": ["001"]},
        {"code": "001", "address": "Quito", "emission_points": []},
    ]:
        response = await http.put(
            "/v1/admin/issuer", json=issuer_body(establishments=[establishment])
        )
        assert "establishments" in fields(response), establishment
    for field, value in [
        ("agente_retencion", "RES-1"),
        ("contribuyente_especial", "1"),
        ("razon_social", ""),
    ]:
        assert field in fields(
            await http.put("/v1/admin/issuer", json=issuer_body(**{field: value}))
        )
    assert (await http.get("/v1/admin/issuer")).status_code == 404


# --- plans ----------------------------------------------------------------------------------------


async def test_plans(http: httpx.AsyncClient) -> None:
    tv = plan_body(name="TV Básica", service_type="tv", monthly_fee="20")
    tv["ice"] = {"rate_code": "3092", "rate": "15"}
    assert (await http.put("/v1/admin/plans/TV-1", json=tv)).status_code == 200
    put = await http.put("/v1/admin/plans/M-30", json=plan_body())
    assert put.json()["monthly_fee"] == "30.00"
    plans = (await http.get("/v1/admin/plans")).json()
    assert [p["code"] for p in plans] == ["M-30", "TV-1"]
    assert plans[1]["monthly_fee"] == "20.00" and plans[1]["ice"] == {
        "rate_code": "3092",
        "rate": "15.00",
    }
    assert plans[1]["taxes"] == [
        {"tax": "IVA", "code": "4", "rate": "15"},
        {"tax": "ICE", "code": "3092", "rate": "15.00"},
    ]
    # Upsert: the same code replaces the plan.
    await http.put("/v1/admin/plans/M-30", json=plan_body(monthly_fee="32.50"))
    plans = (await http.get("/v1/admin/plans")).json()
    assert plans[0]["monthly_fee"] == "32.50" and len(plans) == 2


async def test_plan_validation(http: httpx.AsyncClient) -> None:
    cases = [
        ("M-1", plan_body(monthly_fee="-1.00"), "monthly_fee"),
        ("M-1", plan_body(monthly_fee="12,50"), "monthly_fee"),
        ("M-1", plan_body(monthly_fee=12.5), "monthly_fee"),  # a JSON number: refused
        ("M-1", plan_body(tax_code="9"), "tax_code"),
        ("M-1", plan_body(service_type="satelite"), "service_type"),
        ("m 1", plan_body(), "code"),
        ("TV-1", plan_body(ice={"rate_code": "3092", "rate": "150"}), "ice.rate"),
    ]
    for code, body, field in cases:
        assert field in fields(await http.put(f"/v1/admin/plans/{code}", json=body)), body


# --- accounts -------------------------------------------------------------------------------------


async def test_create_get_and_find_accounts(http: httpx.AsyncClient) -> None:
    account_id = await new_account(http)
    got = await http.get(f"/v1/admin/accounts/{account_id}")
    assert got.status_code == 200
    body = got.json()
    assert body["holder"]["phone"] == "+593991234567" and body["subscriptions"] == []
    assert body["cycle_day"] == 1 and body["payment_method"] == "20"
    found = await http.get("/v1/admin/accounts", params={"id_number": CEDULA})
    assert [a["account_id"] for a in found.json()] == [account_id]
    none = await http.get("/v1/admin/accounts", params={"id_number": "1790011674001"})
    assert none.json() == []
    assert (await http.get("/v1/admin/accounts/nope")).status_code == 404


async def test_account_creation_is_idempotent_with_a_key(http: httpx.AsyncClient) -> None:
    first = await new_account(http, idempotency_key="alta-1")
    assert await new_account(http, idempotency_key="alta-1") == first
    conflict = await http.post(
        "/v1/admin/accounts", json=account_body(cycle_day=15, idempotency_key="alta-1")
    )
    assert conflict.status_code == 409
    # Without a key every POST is a new account.
    assert await new_account(http) != await new_account(http)


async def test_account_validation(http: httpx.AsyncClient) -> None:
    def holder(**changes: str) -> dict[str, Any]:
        return account_body()["holder"] | changes  # type: ignore[no-any-return]

    cases = [
        (account_body(holder=holder(id_number="1714307104")), "holder.id_number"),
        (account_body(holder=holder(id_type="ruc", id_number="1790011675001")), "holder.id_number"),
        (account_body(holder=holder(id_type="dni")), "holder.id_type"),
        (account_body(holder=holder(email="x")), "holder.email"),
        (account_body(holder=holder(phone="123")), "holder.phone"),
        (account_body(payment_method="99"), "payment_method"),
        (account_body(cycle_day=29), "cycle_day"),
    ]
    for body, field in cases:
        assert field in fields(await http.post("/v1/admin/accounts", json=body)), body
    ruc = await http.post(
        "/v1/admin/accounts",
        json=account_body(holder=holder(id_type="ruc", id_number="1760001550001")),
    )
    assert ruc.status_code == 201


# --- subscriptions --------------------------------------------------------------------------------


async def test_subscription_writes_its_event_in_the_account(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    account_id, subscription_id = await with_line(http)
    account = (await http.get(f"/v1/admin/accounts/{account_id}")).json()
    [sub] = account["subscriptions"]
    assert sub["number"] == "+593991234567" and sub["end_date"] is None
    doc = await app.state.runtime.database[ACCOUNTS].find_one({"_id": account_id})
    [entry] = doc["outbox"]
    assert entry["topic"] == "billing.subscription-activated"
    assert entry["key"] == "+593991234567" and subscription_id in entry["payload"]

    end = await http.post(
        f"/v1/admin/accounts/{account_id}/subscriptions/{subscription_id}/end",
        json={"end_date": "2025-12-31"},
    )
    assert end.status_code == 200 and end.json()["end_date"] == "2025-12-31"
    doc = await app.state.runtime.database[ACCOUNTS].find_one({"_id": account_id})
    assert [e["topic"] for e in doc["outbox"]] == [
        "billing.subscription-activated",
        "billing.subscription-ended",
    ]
    # The same end again changes nothing; pushing it back is refused; before the start is a 422.
    path = f"/v1/admin/accounts/{account_id}/subscriptions/{subscription_id}/end"
    assert (await http.post(path, json={"end_date": "2025-12-31"})).status_code == 200
    assert (await http.post(path, json={"end_date": "2026-01-31"})).status_code == 409
    assert "end_date" in fields(await http.post(path, json={"end_date": "2025-10-01"}))
    doc = await app.state.runtime.database[ACCOUNTS].find_one({"_id": account_id})
    assert len(doc["outbox"]) == 2
    unknown = await http.post(
        f"/v1/admin/accounts/{account_id}/subscriptions/nope/end", json={"end_date": "2025-12-31"}
    )
    assert unknown.status_code == 404


async def test_a_number_is_on_one_subscription_at_a_time(http: httpx.AsyncClient) -> None:
    first, subscription_id = await with_line(http, start="2025-11-01")
    other = await new_account(http)
    body = {"number": "099 123 4567", "service_type": "movil", "plan_code": "M-30"}
    path = f"/v1/admin/accounts/{other}/subscriptions"
    taken = await http.post(path, json=body | {"start_date": "2026-01-01"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "number_in_use"
    # Once the first subscription ends, the number is free from the next day.
    await http.post(
        f"/v1/admin/accounts/{first}/subscriptions/{subscription_id}/end",
        json={"end_date": "2025-12-31"},
    )
    assert (await http.post(path, json=body | {"start_date": "2025-12-31"})).status_code == 409
    moved = await http.post(path, json=body | {"start_date": "2026-01-01"})
    assert moved.status_code == 201
    # Repeating the same request returns the same subscription rather than a 409.
    again = await http.post(path, json=body | {"start_date": "2026-01-01"})
    assert again.status_code == 201
    assert again.json()["subscription_id"] == moved.json()["subscription_id"]


async def test_subscription_validation(http: httpx.AsyncClient) -> None:
    account_id, _ = await with_line(http)
    await http.put("/v1/admin/plans/TV-1", json=plan_body(service_type="tv", monthly_fee="20.00"))
    path = f"/v1/admin/accounts/{account_id}/subscriptions"
    base = {
        "number": "0987654321",
        "service_type": "movil",
        "plan_code": "M-30",
        "start_date": "2026-01-01",
    }
    cases = [
        (base | {"plan_code": "NOPE"}, "plan_code"),
        (base | {"plan_code": "TV-1"}, "service_type"),
        (base | {"number": "12345"}, "number"),
        (base | {"start_date": "01/01/2026"}, "start_date"),
        (base | {"end_date": "2025-12-31"}, "end_date"),
        (base | {"monthly_discount": "-1"}, "monthly_discount"),
        (base | {"monthly_discount": "31.00"}, "monthly_discount"),
    ]
    for body, field in cases:
        assert field in fields(await http.post(path, json=body)), body
    missing = await http.post("/v1/admin/accounts/nope/subscriptions", json=base)
    assert missing.status_code == 404
    promo = await http.post(path, json=base | {"end_date": "2026-06-30", "monthly_discount": "5"})
    assert promo.status_code == 201 and promo.json()["monthly_discount"] == "5.00"


# --- charges --------------------------------------------------------------------------------------


async def test_charges_are_idempotent(app: FastAPI, http: httpx.AsyncClient) -> None:
    account_id = await new_account(http)
    path = f"/v1/admin/accounts/{account_id}/charges"
    body = {
        "description": "Cambio de SIM",
        "amount": "5.5",
        "tax_code": "4",
        "period": "2025-11",
        "idempotency_key": "sim-1",
    }
    first = await http.post(path, json=body)
    assert first.status_code == 201 and first.json()["amount"] == "5.50"
    replay = await http.post(path, json=body | {"amount": "5.50"})
    assert replay.status_code == 201 and replay.json() == first.json()
    conflict = await http.post(path, json=body | {"amount": "6.00"})
    assert conflict.status_code == 409 and "idempotency_key" in conflict.json()["error"]["fields"]
    exempt = await http.post(path, json=body | {"tax_code": "7", "idempotency_key": "sim-2"})
    assert exempt.status_code == 201
    charges = await app.state.billing.charges.for_accounts([account_id, "other"], "2025-11")
    assert [c.charge_id for c in charges[account_id]] == [
        first.json()["charge_id"],
        exempt.json()["charge_id"],
    ]
    assert charges["other"] == [] and charges[account_id][0].amount == Decimal("5.50")
    assert (await app.state.billing.charges.for_accounts([account_id], "2025-12")) == {
        account_id: []
    }


async def test_charge_validation(http: httpx.AsyncClient) -> None:
    account_id = await new_account(http)
    path = f"/v1/admin/accounts/{account_id}/charges"
    base = {
        "description": "Reconexión",
        "amount": "2.00",
        "tax_code": "4",
        "period": "2025-11",
        "idempotency_key": "k",
    }
    next_year = f"{datetime.now(UTC).year + 1}-01"
    cases = [
        (base | {"amount": "-2.00"}, "amount"),
        (base | {"amount": "0"}, "amount"),
        (base | {"amount": "2.001"}, "amount"),
        (base | {"tax_code": "9"}, "tax_code"),
        (base | {"period": next_year}, "period"),
        (base | {"period": "2025-13"}, "period"),
        (base | {"description": " "}, "description"),
        (base | {"idempotency_key": ""}, "idempotency_key"),
    ]
    for body, field in cases:
        assert field in fields(await http.post(path, json=body)), body
    assert (await http.post("/v1/admin/accounts/nope/charges", json=base)).status_code == 404


# --- payments, adjustments and statements ---------------------------------------------------------


def payment_body(account_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "amount": "20.00",
        "paid_at": "2025-12-05T10:30:00-05:00",
        "channel": "banco-pichincha",
        "idempotency_key": "pago-1",
    } | changes


async def test_payment_validation(http: httpx.AsyncClient) -> None:
    account_id = await new_account(http)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = [
        (payment_body(account_id, amount="-1.00"), "amount"),
        (payment_body(account_id, amount="0.00"), "amount"),
        (payment_body(account_id, paid_at=tomorrow), "paid_at"),
        (payment_body(account_id, paid_at="ayer"), "paid_at"),
        (payment_body("nope"), "account_id"),
    ]
    for body, field in cases:
        assert field in fields(await http.post("/v1/admin/payments", json=body)), body


async def test_statement_scenario(app: FastAPI, http: httpx.AsyncClient) -> None:
    account_id, _ = await with_line(http, start="2025-11-01")
    invoices = NoInvoices()
    app.state.billing.invoices = invoices
    invoices.by_account[account_id] = [
        Movement(date(2025, 12, 1), "invoice", "Factura nov", Decimal("30.00"), "i-11", "2025-11"),
        Movement(date(2026, 1, 1), "invoice", "Factura dic", Decimal("40.00"), "i-12", "2025-12"),
    ]
    # November: 5.00 paid; December: 20.00 paid (sent twice), a 3.00 credit.
    early = payment_body(
        account_id, amount="5.00", paid_at="2025-11-20T09:00:00-05:00", idempotency_key="p-0"
    )
    assert (await http.post("/v1/admin/payments", json=early)).status_code == 201
    first = await http.post("/v1/admin/payments", json=payment_body(account_id))
    replay = await http.post("/v1/admin/payments", json=payment_body(account_id))
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and first.json()["amount"] == "20.00"
    conflict = await http.post("/v1/admin/payments", json=payment_body(account_id, amount="21"))
    assert conflict.status_code == 409
    credit = await http.post(
        f"/v1/admin/accounts/{account_id}/adjustments",
        json={
            "amount": "-3.00",
            "reason": "Compensación por falla de servicio",
            "effective_date": "2025-12-10",
            "idempotency_key": "aj-1",
        },
    )
    assert credit.status_code == 201 and credit.json()["amount"] == "-3.00"

    statement = await http.get(
        f"/v1/admin/accounts/{account_id}/statement", params={"period": "2025-12"}
    )
    assert statement.status_code == 200, statement.text
    s = statement.json()
    assert (s["period_start"], s["period_end"]) == ("2025-12-01", "2025-12-31")
    assert s["previous_balance"] == "25.00"  # 30.00 invoiced − 5.00 paid
    assert (s["payments"], s["charges"], s["adjustments"]) == ("20.00", "40.00", "-3.00")
    assert s["balance_due"] == "42.00" and s["due_date"] == "2026-01-16"
    assert [(m["date"], m["kind"], m["amount"]) for m in s["movements"]] == [
        ("2025-12-05", "payment", "-20.00"),
        ("2025-12-10", "adjustment", "-3.00"),
        ("2026-01-01", "invoice", "40.00"),
    ]
    assert s["movements"][0]["reference"] == first.json()["payment_id"]
    by_line = await http.get("/v1/statement", params={"line": "+593991234567", "period": "2025-12"})
    assert by_line.status_code == 200 and by_line.json() == s

    # The payment carries its PaymentRecorded, once.
    payment = await app.state.runtime.database[LEDGER].find_one({"_id": first.json()["payment_id"]})
    [event] = payment["outbox"]
    assert event["topic"] == "billing.payment-recorded" and event["key"] == account_id


async def test_statement_errors(http: httpx.AsyncClient) -> None:
    account_id, _ = await with_line(http, start="2025-11-01")
    path = f"/v1/admin/accounts/{account_id}/statement"
    assert "period" in fields(await http.get(path, params={"period": "2025-1"}))
    assert (
        await http.get("/v1/admin/accounts/nope/statement", params={"period": "2025-11"})
    ).status_code == 404
    before = await http.get("/v1/statement", params={"line": "0991234567", "period": "2025-10"})
    assert before.status_code == 404
    assert "line" in fields(
        await http.get("/v1/statement", params={"line": "1", "period": "2025-11"})
    )
    adjustment = {
        "amount": "0",
        "reason": "x",
        "effective_date": "2025-12-10",
        "idempotency_key": "aj",
    }
    adjust = f"/v1/admin/accounts/{account_id}/adjustments"
    assert "amount" in fields(await http.post(adjust, json=adjustment))
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    assert "effective_date" in fields(
        await http.post(adjust, json=adjustment | {"amount": "1", "effective_date": future})
    )


# --- stores the bill run relies on ----------------------------------------------------------------


async def test_billable_pages_by_cycle_day(app: FastAPI) -> None:
    accounts = app.state.billing.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    for account_id, day in [("a3", 15), ("a1", 15), ("a2", 1), ("a4", 15)]:
        await accounts.add(Account(account_id, holder, day, "20"))
    first = await accounts.billable(15, None, 2)
    assert [a.account_id for a in first] == ["a1", "a3"]
    rest = await accounts.billable(15, first[-1].account_id, 2)
    assert [a.account_id for a in rest] == ["a4"]
    assert await accounts.billable(15, "a4", 2) == []


async def test_store_round_trips_charges_and_ledger(app: FastAPI) -> None:
    billing = app.state.billing
    charge = Charge("c1", "Cambio de SIM", Decimal("5.00"), "0", "2025-11")
    assert await billing.charges.add("a1", charge, "k") == (charge, True)
    assert await billing.ledger.movements(["a1"]) == {"a1": []}


async def test_concurrent_claims_on_one_number_let_one_through(app: FastAPI) -> None:
    accounts = app.state.billing.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    ids = [f"c{n}" for n in range(4)]
    for account_id in ids:
        await accounts.add(Account(account_id, holder, 1, "20"))

    async def claim(account_id: str) -> str:
        sub = Subscription(f"s-{account_id}", "0991112233", "movil", "M-30", date(2026, 1, 1))
        try:
            await accounts.add_subscription(account_id, sub)
        except NumberInUse:
            return "409"
        return "201"

    results = await asyncio.gather(*(claim(account_id) for account_id in ids))
    assert sorted(results) == ["201", "409", "409", "409"]


async def test_a_claim_left_by_a_dead_writer_stops_blocking(app: FastAPI) -> None:
    accounts = app.state.billing.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    await accounts.add(Account("a1", holder, 1, "20"))
    orphan = {
        "_id": "+593991112233#000001",
        "number": "+593991112233",
        "seq": 1,
        "account_id": "a0",
        "subscription_id": "s0",
        "subscription": {
            "number": "+593991112233",
            "service_type": "movil",
            "plan_code": "M-30",
            "start_date": "2026-01-01",
            "end_date": None,
            "monthly_discount": "0.00",
        },
        "claimed_at": datetime.now(UTC),
    }
    claims = app.state.runtime.database[NUMBER_CLAIMS]
    await claims.insert_one(orphan)
    sub = Subscription("s1", "0991112233", "movil", "M-30", date(2026, 2, 1))
    with pytest.raises(NumberInUse):  # a fresh claim may still be on its way to its account
        await accounts.add_subscription("a1", sub)
    await claims.update_one(
        {"_id": orphan["_id"]}, {"$set": {"claimed_at": datetime.now(UTC) - CLAIM_GRACE * 2}}
    )
    assert await accounts.add_subscription("a1", sub) == (sub, True)
    [account] = await accounts.with_number("+593991112233")
    assert account.account_id == "a1"


async def test_stream_billable_resumes_after_the_cursor(app: FastAPI) -> None:
    accounts = app.state.billing.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    for account_id, day in [("b3", 7), ("b1", 7), ("b2", 1), ("b4", 7), ("b5", 7)]:
        await accounts.add(Account(account_id, holder, day, "20"))
    pages = [[a.account_id for a in page] async for page in accounts.stream_billable(7, None, 2)]
    assert pages == [["b1", "b3"], ["b4", "b5"]]
    rest = [[a.account_id for a in page] async for page in accounts.stream_billable(7, "b3", 2)]
    assert rest == [["b4", "b5"]]


async def test_import_accounts_claims_numbers_and_carries_events(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    store = app.state.billing.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    imported = [
        Account(
            f"imp{n}",
            holder,
            1,
            "20",
            (Subscription(f"s{n}", f"099000000{n}", "movil", "MOVIL-1", date(2026, 1, 1)),),
        )
        for n in range(3)
    ]
    assert await store.import_accounts(imported) == 3
    assert (await store.get("imp1")).subscriptions[0].number == "+593990000001"
    database = app.state.runtime.database
    doc = await database[ACCOUNTS].find_one({"_id": "imp2"})
    assert [e["topic"] for e in doc["outbox"]] == ["billing.subscription-activated"]
    with pytest.raises(NumberInUse):
        await store.add(Account("other", holder, 1, "20"))
        await store.add_subscription(
            "other", Subscription("s9", "0990000001", "movil", "MOVIL-1", date(2026, 2, 1))
        )
