"""Request bodies and small steps the operator API tests share."""

from collections.abc import Sequence
from typing import Any

import httpx

from billing.domain.statement import Movement
from tests.support import access_token_for

CEDULA = "1714307103"
OPERATOR = {"Authorization": f"Bearer {access_token_for(['operator'])}"}


class NoInvoices:
    """Stands in for the invoice store's movements: none, or the ones a test sets."""

    def __init__(self) -> None:
        self.by_account: dict[str, list[Movement]] = {}

    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]:
        return {a: self.by_account.get(a, []) for a in account_ids}


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
        "gran_contribuyente": None,
        "ambiente": "pruebas",
        "establishments": [
            {"code": "001", "address": "Matriz, Quito", "emission_points": ["001"]},
            {"code": "002", "address": "Sucursal, Guayaquil", "emission_points": ["001", "002"]},
        ],
        "billing_point": {"establishment": "002", "emission_point": "002"},
    } | changes


def payment_body(account_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "amount": "20.00",
        "paid_at": "2025-12-05T10:30:00-05:00",
        "channel": "banco-pichincha",
        "idempotency_key": "pago-1",
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
