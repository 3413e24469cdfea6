"""Helpers for the lines end-to-end tests: customers who can log in, the SMSC simulator's read
and control API, subscribers created by the operator, and a lines process of the tests' own
(short code lifetimes, small caps) next to the stack's."""

import asyncio
import os
import random
from typing import Any

import httpx

from tests.billing_support import BILLING, holder, mobile_number
from tests.support import (
    GATEWAY,
    IDENTITY,
    ServiceProcess,
    link_token,
    register,
    registration,
    unique_email,
    wait_for_mail,
)

LINES = f"{GATEWAY}/api/lines/v1"
NOTIFIER = f"{GATEWAY}/api/notifier/v1"
SMSC = os.environ.get("SMSC_URL", "http://127.0.0.1:8026")
PLANS = {
    "movil": {"code": "E2E-LINEA-MOVIL", "name": "Plan Conectado 15", "service_type": "movil",
              "monthly_fee": "15.00", "tax_code": "4"},
    "fijo": {"code": "E2E-LINEA-FIJO", "name": "Fijo Hogar", "service_type": "fijo",
             "monthly_fee": "9.50", "tax_code": "4"},
}  # fmt: skip


def fixed_number(rng: random.Random) -> str:
    """A Quito fixed line, typed as people do: (02) 2xx-xxxx."""
    digits = f"{rng.randint(2000000, 2999999)}"
    return f"(02) {digits[:3]}-{digits[3:]}"


def e164(national: str) -> str:
    digits = "".join(c for c in national if c.isdigit())
    return "+593" + digits.removeprefix("0")


async def customer(client: httpx.AsyncClient) -> dict[str, str]:
    """A new activated customer's Authorization header (and their email, under "email")."""
    email = unique_email()
    body = registration(email)
    assert (await register(client, body)).status_code == 201
    [mail] = await wait_for_mail(client, email)
    token = link_token(mail, "/activar")
    activated = await client.post(f"{IDENTITY}/activations", json={"token": token})
    assert activated.status_code == 200, activated.text
    login = await client.post(
        f"{IDENTITY}/sessions", json={"email": email, "password": body["password"]}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}", "email": email}


def auth(user: dict[str, str]) -> dict[str, str]:
    return {"Authorization": user["Authorization"]}


async def subscriber(
    operator: httpx.AsyncClient,
    rng: random.Random,
    service_type: str = "movil",
    contact_mobile: str | None = None,
    number: str | None = None,
    start: str = "2026-01-01",
    **account: Any,
) -> dict[str, Any]:
    """An account with one subscription of ``service_type``: {"account_id", "number" (typed)}."""
    plan = PLANS[service_type]
    put = await operator.put(f"{BILLING}/admin/plans/{plan['code']}", json=plan)
    assert put.status_code == 200, put.text
    number = number or (mobile_number(rng) if service_type == "movil" else fixed_number(rng))
    phone = contact_mobile if contact_mobile is not None else ""
    body = {"holder": holder(rng, phone=phone), "cycle_day": rng.randint(2, 28),
            "payment_method": "20"} | account  # fmt: skip
    created = await operator.post(f"{BILLING}/admin/accounts", json=body)
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    sub = await operator.post(
        f"{BILLING}/admin/accounts/{account_id}/subscriptions",
        json={"number": number, "service_type": service_type, "plan_code": plan["code"],
              "start_date": start},
    )  # fmt: skip
    assert sub.status_code == 201, sub.text
    return {"account_id": account_id, "number": number, "cycle_day": body["cycle_day"]}


# ---- the SMSC simulator


async def sms_to(client: httpx.AsyncClient, number: str) -> list[dict[str, Any]]:
    """What the simulator received for ``number`` (E.164), newest first."""
    response = await client.get(f"{SMSC}/api/messages", params={"to": number})
    response.raise_for_status()
    return list(response.json())


async def wait_for_sms(
    client: httpx.AsyncClient, number: str, count: int = 1, timeout: float = 30.0
) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(found := await sms_to(client, number)) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{count} SMS to {number} expected, {len(found)} arrived")
        await asyncio.sleep(0.2)
    return found


def code_in(sms: dict[str, Any]) -> str:
    digits = [word.strip(".,:") for word in str(sms["text"]).split()]
    [code] = [d for d in digits if d.isdigit() and len(d) == 6]
    return code


async def smsc_control(client: httpx.AsyncClient, mode: str, seconds: int | None = None) -> None:
    body: dict[str, Any] = {"mode": mode} | ({"seconds": seconds} if seconds else {})
    response = await client.post(f"{SMSC}/api/control", json=body)
    assert response.status_code == 200, response.text


class LinesProcess(ServiceProcess):
    """``python -m lines`` with settings of the test's own, on the stack's Kafka and FerretDB;
    it shares the consumer group "lines" with the stack's instance unless told otherwise. Its
    new database backfills the subscriber directory from billing's topics before it is ready:
    every subscription the stack has seen (thousands after a few test runs)."""

    def __init__(self, **env: str) -> None:
        super().__init__(
            "lines",
            IDENTITY_JWKS_URL="http://127.0.0.1:8101/.well-known/jwks.json",
            **env,
        )

    async def start(self, timeout: float = 180.0) -> None:
        await super().start(timeout)
