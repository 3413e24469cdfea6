"""The portal's logged-in screens for browser tests and bench/portal.py: a customer who holds a
verified line of a demo account (so it has the demo invoices of the last closed months), and the
login through the page itself.

The line is one of deploy/local/demo_data.py's demo mobiles, verified with the SMS code the SMSC
simulator received. Each number takes 10 codes a UTC day (lines' cap against SMS pumping), so a
number whose cap is reached is skipped for the next one, and when all are, a new subscriber of
the operator's (no invoices) stands in; a verification moves the line from its previous holder
(one holder per number), which no test relies on keeping.
"""

import asyncio
import random
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Page, expect

from tests.billing_support import operator_headers
from tests.lines_support import (
    LINES,
    auth,
    code_in,
    customer,
    e164,
    sms_to,
    subscriber,
    wait_for_sms,
)
from tests.support import registration

T = TypeVar("T")
# The mobiles of deploy/local/demo_data.py's accounts (cédula, RUC and passport holders).
DEMO_MOBILES = ("0991234567", "0987654321", "0987654322", "0991112233")
PASSWORD = registration("")["password"]  # tests.lines_support.customer's


@dataclass(frozen=True)
class LineHolder:
    email: str
    password: str
    line_id: str
    number: str  # national, as demo_data.py has it: 0991234567


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """The async helpers of tests/ from a browser test: in a thread of their own, since
    Playwright's sync API keeps an event loop running in the test's."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coro).result()


def demo_line_holder() -> LineHolder:
    """A new activated customer who verified one demo mobile through the public API."""
    return run_async(_demo_line_holder())


async def _demo_line_holder() -> LineHolder:
    async with httpx.AsyncClient(timeout=30) as client:
        user = await customer(client)
        for number in random.sample(DEMO_MOBILES, len(DEMO_MOBILES)):
            if line_id := await _verified(client, user, number):
                return LineHolder(user["email"], PASSWORD, line_id, number)
        # Every demo mobile had its 10 codes today: a subscriber of the tests' own (no invoices).
        client.headers.update(await operator_headers(client))
        number = (await subscriber(client, random.Random()))["number"]
        for _ in range(100):  # until lines has the subscription from billing's event
            if line_id := await _verified(client, user, number):
                return LineHolder(user["email"], PASSWORD, line_id, number)
            await asyncio.sleep(0.2)
    raise AssertionError(f"no line could be verified for {user['email']}")


async def _verified(client: httpx.AsyncClient, user: dict[str, str], number: str) -> str | None:
    """GENERAR, the SMS, Aceptar: the line's id; None when the number takes no code now (its
    daily cap, or a subscriber lines does not know yet)."""
    before = len(await sms_to(client, e164(number)))
    body = {"service_type": "movil", "number": number}
    created = await client.post(f"{LINES}/lines", json=body, headers=auth(user))
    if created.status_code in (422, 429) and created.json()["error"]["code"] in (
        "daily_limit_reached",
        "not_a_subscriber",
    ):
        return None
    assert created.status_code == 201, created.text
    line_id = str(created.json()["line_id"])
    [sms, *_] = await wait_for_sms(client, e164(number), before + 1)
    code = {"code": code_in(sms)}
    verified = await client.post(
        f"{LINES}/lines/{line_id}/verification", json=code, headers=auth(user)
    )
    assert verified.status_code == 200, verified.text
    return line_id


def log_in(page: Page, email: str, password: str) -> None:
    """Step 1.3 in the page: user and password, INGRESAR, until the account page opens."""
    page.goto("/ingresar")
    page.get_by_label("Correo Electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(password)
    page.get_by_role("button", name="INGRESAR").click()
    expect(page).to_have_url(re.compile(r"/cuenta"))
