"""SMS codes against the real parts with settings a test can wait for: a lines process of the
test's own (short code lifetime, small daily cap, its own database and consumer group, so its
subscriber directory is backfilled from billing's topics at start-up) next to the stack's, the
stack's notifier sending over SMPP, and the SMSC simulator refusing binds for 20 s."""

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.billing_support import operator_headers
from tests.e2e.test_lines_flow import add_subscribed_line, verify
from tests.lines_support import (
    NOTIFIER,
    LinesProcess,
    auth,
    code_in,
    customer,
    e164,
    sms_to,
    smsc_control,
    subscriber,
    wait_for_sms,
)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield http


@pytest.fixture
async def operator() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        http.headers.update(await operator_headers(http))
        yield http


OwnLines = Callable[..., Awaitable[LinesProcess]]


@pytest.fixture
async def own_lines() -> AsyncIterator[OwnLines]:
    """Starts lines processes of the test's own; each is stopped and its database dropped."""
    started: list[LinesProcess] = []

    async def start(**env: str) -> LinesProcess:
        lines = LinesProcess(CONSUMER_GROUP=f"lines-test-{uuid.uuid4().hex[:8]}", **env)
        started.append(lines)
        await lines.start()
        return lines

    yield start
    for lines in started:
        await lines.stop_and_drop()


async def until_delivery_failed(
    operator: httpx.AsyncClient, number: str, timeout: float = 60.0
) -> list[dict[str, Any]]:
    """notifier's SMS deliveries to ``number`` once none is still open (operator lookup)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await operator.get(f"{NOTIFIER}/deliveries", params={"recipient": number})
        assert found.status_code == 200, found.text
        rows = [row for row in found.json() if row["channel"] == "sms"]
        if rows and all(row["status"] == "failed" for row in rows):
            return rows
        assert asyncio.get_running_loop().time() < deadline, rows
        await asyncio.sleep(0.5)


async def post(client: httpx.AsyncClient, url: str, user: dict[str, str], **body: Any) -> Any:
    return await client.post(url, json=body or None, headers=auth(user))


async def test_an_expired_code_is_refused_with_410(
    client: httpx.AsyncClient, operator: httpx.AsyncClient, own_lines: OwnLines
) -> None:
    user = await customer(client)
    sub = await subscriber(operator, random.Random(), "movil")
    lines = await own_lines(CODE_TTL_SECONDS="4")
    created = await add_subscribed_line(client, user, "movil", sub["number"], lines.url)
    assert created.status_code == 201, created.text
    [sms] = await wait_for_sms(client, e164(sub["number"]))
    await asyncio.sleep(4.5)
    late = await post(client, f"{lines.url}/lines/{created.json()['line_id']}/verification",
                      user, code=code_in(sms))  # fmt: skip
    assert late.status_code == 410, late.text
    assert late.json()["error"]["code"] == "code_expired"


async def test_the_daily_cap_refuses_before_sending(
    client: httpx.AsyncClient, operator: httpx.AsyncClient, own_lines: OwnLines
) -> None:
    user = await customer(client)
    sub = await subscriber(operator, random.Random(), "movil")
    number = e164(sub["number"])
    lines = await own_lines(SMS_DAILY_CAP_PER_NUMBER="2", CODE_RESEND_SECONDS="1")
    created = await add_subscribed_line(client, user, "movil", sub["number"], lines.url)
    resend = f"{lines.url}/lines/{created.json()['line_id']}/verification/resend"
    await asyncio.sleep(1.2)
    assert (await post(client, resend, user)).status_code == 202
    await wait_for_sms(client, number, 2)
    await asyncio.sleep(1.2)
    capped = await post(client, resend, user)
    assert capped.status_code == 429, capped.text
    assert capped.json()["error"]["code"] == "daily_limit_reached"
    assert int(capped.headers["Retry-After"]) > 0
    await asyncio.sleep(3)  # what a wrongly sent third SMS would need to arrive
    assert len(await sms_to(client, number)) == 2


async def test_an_smsc_refusing_binds_delays_the_code_and_never_sends_an_expired_one(
    client: httpx.AsyncClient, operator: httpx.AsyncClient, own_lines: OwnLines
) -> None:
    """Two requests during a 20 s outage: the stack's (valid 10 min) arrives once afterwards;
    the own process's (valid 8 s) has expired by then and is never sent."""
    rng = random.Random()
    user = await customer(client)
    patient, hasty = await subscriber(operator, rng), await subscriber(operator, rng)
    lines = await own_lines(CODE_TTL_SECONDS="8")
    try:
        await smsc_control(client, "refuse_binds", 20)
        started = asyncio.get_running_loop().time()
        patient_line = await add_subscribed_line(client, user, "movil", patient["number"])
        assert patient_line.status_code == 201, patient_line.text
        hasty_line = await add_subscribed_line(client, user, "movil", hasty["number"], lines.url)
        assert hasty_line.status_code == 201, hasty_line.text
        [sms] = await wait_for_sms(client, e164(patient["number"]), timeout=90)
        assert asyncio.get_running_loop().time() - started >= 19
        await asyncio.sleep(5)  # a duplicate, if any, would arrive meanwhile
        assert len(await sms_to(client, e164(patient["number"]))) == 1
        assert await sms_to(client, e164(hasty["number"])) == []
        # notifier gave the late code up as expired rather than losing it on the way.
        [given_up] = await until_delivery_failed(operator, e164(hasty["number"]))
        assert given_up["failure_reason"] == "expired" and given_up["attempts"] >= 1
        accepted = await verify(client, user, patient_line.json()["line_id"], code_in(sms))
        assert accepted.status_code == 200, accepted.text
    finally:
        await smsc_control(client, "normal")
