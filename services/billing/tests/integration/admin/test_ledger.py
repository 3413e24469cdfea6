"""Charges, payments, adjustments and statements through the operator API (real FerretDB)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI

from billing.adapters.store.documents import LEDGER
from billing.domain.statement import Movement
from services.billing.tests.integration.admin.support import (
    NoInvoices,
    fields,
    new_account,
    payment_body,
    with_line,
)


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
    charges = await app.state.service.charges.for_accounts([account_id, "other"], "2025-11")
    assert [c.charge_id for c in charges[account_id]] == [
        first.json()["charge_id"],
        exempt.json()["charge_id"],
    ]
    assert charges["other"] == [] and charges[account_id][0].amount == Decimal("5.50")
    assert (await app.state.service.charges.for_accounts([account_id], "2025-12")) == {
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
        # The tax catalog for the charge's period: 12 % (2) ended on 2024-03-31, 15 % (4) began
        # on 2024-04-01.
        (base | {"tax_code": "2"}, "tax_code"),
        (base | {"tax_code": "4", "period": "2024-03"}, "tax_code"),
        (base | {"period": next_year}, "period"),
        (base | {"period": "2025-13"}, "period"),
        (base | {"description": " "}, "description"),
        (base | {"idempotency_key": ""}, "idempotency_key"),
    ]
    for body, field in cases:
        assert field in fields(await http.post(path, json=body)), body
    assert (await http.post("/v1/admin/accounts/nope/charges", json=base)).status_code == 404
    old = base | {"tax_code": "2", "period": "2024-03", "idempotency_key": "k-2024"}
    assert (await http.post(path, json=old)).status_code == 201


# --- payments, adjustments and statements -------------------------------------------------------


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
    app.state.service.invoices = invoices
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
