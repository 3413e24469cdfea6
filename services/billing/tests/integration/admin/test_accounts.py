"""Accounts and subscriptions through the operator API, against the real FerretDB."""

from typing import Any

import httpx
from fastapi import FastAPI

from billing.adapters.store.documents import ACCOUNTS
from services.billing.tests.integration.admin.support import (
    CEDULA,
    account_body,
    fields,
    new_account,
    plan_body,
    with_line,
)


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


# --- subscriptions ------------------------------------------------------------------------------


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


async def test_a_plan_keeps_its_service_type_while_a_subscription_uses_it(
    http: httpx.AsyncClient,
) -> None:
    account_id, subscription_id = await with_line(http)
    refused = await http.put("/v1/admin/plans/M-30", json=plan_body(service_type="tv"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "plan_in_use"
    plan = (await http.get("/v1/admin/plans")).json()
    assert [p["service_type"] for p in plan if p["code"] == "M-30"] == ["movil"]
    end = f"/v1/admin/accounts/{account_id}/subscriptions/{subscription_id}/end"
    assert (await http.post(end, json={"end_date": "2025-12-31"})).status_code == 200
    moved = await http.put("/v1/admin/plans/M-30", json=plan_body(service_type="tv"))
    assert moved.status_code == 200 and moved.json()["service_type"] == "tv"
