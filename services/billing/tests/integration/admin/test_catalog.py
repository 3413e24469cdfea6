"""The operator API's catalog against the real FerretDB: who may call it, the issuer, plans."""

import httpx
from fastapi import FastAPI

from services.billing.tests.integration.admin.support import fields, issuer_body, plan_body
from tests.support import access_token_for


async def test_operators_only(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as anonymous:
        no_token = await anonymous.get("/v1/admin/plans")
        no_token_post = await anonymous.post("/v1/admin/accounts", json={})
        customer = await anonymous.get(
            "/v1/admin/plans", headers={"Authorization": f"Bearer {access_token_for(['customer'])}"}
        )
        statement = await anonymous.get(
            "/v1/statement",
            params={"line": "0991234567", "period": "2025-11"},
            headers={"Authorization": f"Bearer {access_token_for(['customer'])}"},
        )
    assert no_token.status_code == 401 and no_token_post.status_code == 401
    assert customer.status_code == 403 and customer.json()["error"]["code"] == "forbidden"
    # A line's statement is open to customers, for lines they hold: this one they do not.
    assert statement.status_code == 404 and statement.json()["error"]["code"] == "not_found"


# --- issuer -------------------------------------------------------------------------------------


async def test_issuer_round_trip_and_domain_issuer(app: FastAPI, http: httpx.AsyncClient) -> None:
    assert (await http.get("/v1/admin/issuer")).status_code == 404
    put = await http.put("/v1/admin/issuer", json=issuer_body())
    assert put.status_code == 200, put.text
    got = await http.get("/v1/admin/issuer")
    assert got.json() == issuer_body()
    issuer = await app.state.service.issuer.issuer()
    assert (issuer.ruc, issuer.environment) == ("1790011674001", 1)
    assert (issuer.establishment, issuer.emission_point) == ("002", "002")
    assert issuer.dir_establecimiento == "Sucursal, Guayaquil"
    await http.put("/v1/admin/issuer", json=issuer_body(ambiente="produccion"))
    assert (await app.state.service.issuer.issuer()).environment == 2
    designated = issuer_body(agente_retencion="7", gran_contribuyente="NAC-DGERCGC21-00000001")
    assert (await http.put("/v1/admin/issuer", json=designated)).json() == designated
    issuer = await app.state.service.issuer.issuer()
    assert (issuer.agente_retencion, issuer.gran_contribuyente) == ("7", "NAC-DGERCGC21-00000001")


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
        ("gran_contribuyente", "NAC 2021"),
        ("contribuyente_especial", "1"),
        ("razon_social", ""),
    ]:
        assert field in fields(
            await http.put("/v1/admin/issuer", json=issuer_body(**{field: value}))
        )
    assert (await http.get("/v1/admin/issuer")).status_code == 404


# --- plans --------------------------------------------------------------------------------------


async def test_plans(http: httpx.AsyncClient) -> None:
    tv = plan_body(name="TV Básica", service_type="tv", monthly_fee="20")
    tv["ice"] = {"rate_code": "3092"}  # the rate is the tax catalog's: 0 % today
    assert (await http.put("/v1/admin/plans/TV-1", json=tv)).status_code == 200
    put = await http.put("/v1/admin/plans/M-30", json=plan_body())
    assert put.json()["monthly_fee"] == "30.00"
    plans = (await http.get("/v1/admin/plans")).json()
    assert [p["code"] for p in plans] == ["M-30", "TV-1"]
    assert plans[1]["monthly_fee"] == "20.00" and plans[1]["ice"] == {
        "rate_code": "3092",
        "rate": "0",
    }
    assert plans[1]["taxes"] == [
        {"tax": "IVA", "code": "4", "rate": "15"},
        {"tax": "ICE", "code": "3092", "rate": "0"},
    ]
    # Sending the catalog's rate is still accepted (clients of the old API).
    tv["ice"] = {"rate_code": "3092", "rate": "0.00"}
    assert (await http.put("/v1/admin/plans/TV-1", json=tv)).status_code == 200
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
        # The tax catalog: ICE 3092 is 0 %, 3610 is not in it, IVA 12 % ended on 2024-03-31.
        ("TV-1", plan_body(ice={"rate_code": "3092", "rate": "15"}), "ice.rate"),
        ("TV-1", plan_body(ice={"rate_code": "3610"}), "ice.rate_code"),
        ("M-1", plan_body(tax_code="2"), "tax_code"),
        ("M-1", plan_body(tax_code="3"), "tax_code"),
    ]
    for code, body, field in cases:
        assert field in fields(await http.put(f"/v1/admin/plans/{code}", json=body)), body
    refused = await http.put(
        "/v1/admin/plans/TV-1", json=plan_body(ice={"rate_code": "3092", "rate": "15"})
    )
    assert refused.status_code == 422
    assert "es 0%" in refused.json()["error"]["fields"]["ice.rate"]
    assert (await http.get("/v1/admin/plans")).json() == []


async def test_a_plan_stored_with_an_ice_rate_reads_as_a_catalog_reference(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    """Plans stored before the tax catalog carry "rate": "15" for ICE 3092: read tolerantly,
    they bill (and show) the catalog's rate."""
    database = app.state.runtime.database
    await database["plans"].insert_one(
        {
            "_id": "TV-OLD",
            "name": "TV vieja",
            "service_type": "tv",
            "monthly_fee": "20.00",
            "tax_code": "4",
            "extra_taxes": [{"tax_code": "3", "rate_code": "3092", "rate": "15"}],
        }
    )
    plan = await app.state.service.plans.get("TV-OLD")
    assert plan is not None and tuple(plan.extra_taxes) == (("3", "3092"),)
    [shown] = (await http.get("/v1/admin/plans")).json()
    assert shown["ice"] == {"rate_code": "3092", "rate": "0"}
