"""Helpers for billing's end-to-end and fault tests: operator login, SRI sandbox control, a
billing process of its own that a test may SIGKILL, and valid fictitious customers."""

import asyncio
import os
import random
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from billing.domain.periods import BillingPeriod
from deploy.local import demo_data
from tests.support import GATEWAY, ROOT, ServiceProcess, make_cedula

PLAN = {
    "code": "FAULT-MOVIL",
    "name": "Plan Móvil Pruebas",
    "service_type": "movil",
    "monthly_fee": "12.34",
    "tax_code": "4",
}

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
    """``python -m billing`` on its own port and database: killable without touching the stack.

    Each start consumes in a consumer group of its own: never the stack's ``billing`` group
    (whose partitions it would take), and never the group of the process it replaces (a killed
    member holds its partitions until its session times out, which would stall the start).
    """

    def __init__(self, **env: str) -> None:
        password = (SECRETS / "billing-signing.password").read_text().strip()
        defaults = {
            "SIGNING_P12_PATH": str(SECRETS / "billing-signing.p12"),
            "SIGNING_P12_PASSWORD": password,
            "SRI_ENDPOINTS": "sandbox",
            "SRI_HOST": SANDBOX,
            "SRI_RETRY_BASE_SECONDS": "0.2",
            "SRI_RETRY_MAX_SECONDS": "1.0",
            # SRI's wait after RECIBIDA (3 s by default), short for the tests.
            "SRI_FIRST_QUERY_DELAY_SECONDS": "0.2",
            "CONSUMER_WORKERS": "1",
        }
        # ``env`` may override a default (SRI_HOST: a sandbox of the test's own).
        super().__init__("billing", **(defaults | env))
        self.starts = 0

    def spawn(self) -> None:
        self.starts += 1
        self.env["CONSUMER_GROUP"] = f"{self.database}-{self.starts}"
        super().spawn()

    def children(self) -> list[int]:
        """The process ids of its signing workers (spawned ``multiprocessing`` children)."""
        assert self.process is not None
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and b"spawn_main" in cmdline:
                found.append(int(stat.parent.name))
        return found


# ---- a bill run on a billing process of our own


async def seed_accounts(
    client: httpx.AsyncClient, url: str, count: int, period: BillingPeriod
) -> None:
    rng = random.Random()
    limit = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        async with limit:
            account = await client.post(
                f"{url}/admin/accounts",
                json={"holder": holder(rng), "cycle_day": 1, "payment_method": "20"},
            )
            assert account.status_code == 201, account.text
            sub = await client.post(
                f"{url}/admin/accounts/{account.json()['account_id']}/subscriptions",
                json={
                    "number": mobile_number(rng),
                    "service_type": "movil",
                    "plan_code": PLAN["code"],
                    "start_date": (period.start - timedelta(days=n % 30)).isoformat(),
                },
            )
            # A number can only be active once: a random clash just means one account less.
            assert sub.status_code in (201, 409), sub.text

    await asyncio.gather(*(one(n) for n in range(count)))


async def start_bill_run(client: httpx.AsyncClient, url: str, period: BillingPeriod) -> str:
    started = await client.post(
        f"{url}/admin/bill-runs", json={"cycle_day": 1, "period": period.label}
    )
    assert started.status_code == 202, started.text
    return str(started.json()["bill_run_id"])


async def wait_bill_run(
    client: httpx.AsyncClient, url: str, run_id: str, timeout: float = 240
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        state = (await client.get(f"{url}/admin/bill-runs/{run_id}")).json()
        if state["status"] != "running":
            return dict(state)
        await asyncio.sleep(0.3)
    raise AssertionError(f"bill run still running after {timeout} s: {state}")


async def billing_with_issuer(client: httpx.AsyncClient, **env: str) -> BillingProcess:
    """A billing process of our own, started, with an issuer (a random RUC: the shared
    sandbox's sequence checks start clean) and the test plan."""
    billing = BillingProcess(**env)
    await billing.start()
    issuer = demo_data.ISSUER | {"ruc": make_ruc()}
    assert (await client.put(f"{billing.url}/admin/issuer", json=issuer)).status_code == 200
    put = await client.put(f"{billing.url}/admin/plans/{PLAN['code']}", json=PLAN)
    assert put.status_code in (200, 201), put.text
    return billing
