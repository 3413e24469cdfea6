"""Helpers for billing's end-to-end and fault tests: operator login, SRI sandbox control, a
billing process of its own that a test may SIGKILL, and valid fictitious customers."""

import os
import random
import uuid
from typing import Any

import httpx

from tests.support import GATEWAY, ROOT, ServiceProcess, make_cedula

BILLING = f"{GATEWAY}/api/billing/v1"
SANDBOX = os.environ.get("SRI_SANDBOX_URL", "http://127.0.0.1:8106")
SECRETS = ROOT / ".local/secrets"
DEV_CA = SECRETS / "sri-dev-ca.pem"


def operator_password() -> str:
    return (
        os.environ.get("OPERATOR_PASSWORD")
        or (ROOT / ".local/operator-password").read_text().strip()
    )


async def operator_headers(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(
        f"{GATEWAY}/api/identity/v1/sessions",
        json={
            "email": os.environ.get("OPERATOR_EMAIL", "operador@demo.ec"),
            "password": operator_password(),
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def make_ruc(rng: random.Random | None = None) -> str:
    """A valid natural-person RUC (a valid cédula + establishment 001)."""
    return make_cedula(rng) + "001"


def holder(rng: random.Random | None = None, **changes: Any) -> dict[str, Any]:
    rng = rng or random.Random()
    body = {
        "id_type": "cedula",
        "id_number": make_cedula(rng),
        "name": "Cliente de Prueba Ñandú",
        "address": "Av. de los Shyris 123, Quito",
        "email": f"cliente.{uuid.uuid4().hex[:10]}@pruebas.ec",
        "phone": "0991234567",
    }
    return body | changes


def mobile_number(rng: random.Random) -> str:
    return f"09{rng.randint(80000000, 99999999)}"


# ---- SRI sandbox


async def sandbox_control(client: httpx.AsyncClient, **settings: Any) -> None:
    response = await client.post(f"{SANDBOX}/control", json=settings)
    assert response.status_code == 200, response.text


async def sandbox_reset(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{SANDBOX}/control/reset", json={})
    assert response.status_code == 200, response.text


async def sandbox_calls(client: httpx.AsyncClient, access_key: str) -> list[dict[str, Any]]:
    response = await client.get(f"{SANDBOX}/control/calls", params={"clave": access_key})
    assert response.status_code == 200, response.text
    return list(response.json())


def blind_resends(calls: list[dict[str, Any]]) -> int:
    """Receptions of a key not preceded by an authorization query since the previous one."""
    count, sent, queried = 0, False, False
    for call in calls:
        if call["operation"] == "recepcion":
            if sent and not queried:
                count += 1
            sent, queried = True, False
        elif call["operation"] == "autorizacion":
            queried = True
    return count


# ---- a billing process of our own


class BillingProcess(ServiceProcess):
    """``python -m billing`` on its own port and database: killable without touching the stack."""

    def __init__(self, **env: str) -> None:
        password = (SECRETS / "billing-signing.password").read_text().strip()
        super().__init__(
            "billing",
            SIGNING_P12_PATH=str(SECRETS / "billing-signing.p12"),
            SIGNING_P12_PASSWORD=password,
            SRI_ENDPOINTS="sandbox",
            SRI_HOST=SANDBOX,
            SRI_RETRY_BASE_SECONDS="0.2",
            SRI_RETRY_MAX_SECONDS="1.0",
            **env,
        )
