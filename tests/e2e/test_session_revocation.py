"""A logout reaches the services that verify tokens themselves within seconds: after
``DELETE /sessions/current`` the same access token (still unexpired, signature good) is
refused by lines and billing, through the gateway, on the real Kafka (SessionsRevoked)."""

import asyncio
import time

import httpx

from tests.billing_support import BILLING
from tests.lines_support import LINES, auth, customer
from tests.support import GATEWAY

IDENTITY = f"{GATEWAY}/api/identity/v1"


async def refused_everywhere(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    lines = await client.get(f"{LINES}/lines", headers=headers)
    billing = await client.get(
        f"{BILLING}/invoices", params={"line": "0991234567"}, headers=headers
    )
    return lines.status_code == 401 and billing.status_code == 401


async def test_a_logged_out_token_is_refused_by_lines_and_billing_within_seconds() -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        user = await customer(client)
        headers = auth(user)
        assert (await client.get(f"{LINES}/lines", headers=headers)).status_code == 200
        logout = await client.delete(f"{IDENTITY}/sessions/current", headers=headers)
        assert logout.status_code == 204
        started = time.monotonic()
        while not await refused_everywhere(client, headers):
            assert time.monotonic() - started < 30, "still accepted 30 s after the logout"
            await asyncio.sleep(0.2)
        print(f"logout → refused by lines and billing after {time.monotonic() - started:.1f} s")
