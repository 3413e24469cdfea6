"""Lines end to end through the gateway: a customer registers a line with the SMS code the SMSC
simulator received over SMPP, "Consultar" shows it, and after a bill run the customer reads that
line's invoices, XML and statement — and nobody else can."""

import asyncio
import random
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from billing.domain.periods import BillingPeriod
from tests.billing_support import BILLING, operator_headers
from tests.e2e.test_billing_flow import _last_closed, _wait_completed
from tests.lines_support import (
    LINES,
    NOTIFIER,
    auth,
    code_in,
    customer,
    e164,
    sms_to,
    subscriber,
    wait_for_sms,
)
from tests.support import GATEWAY, wait_for_mail


@pytest.fixture
async def operator() -> Any:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client


@pytest.fixture
async def client() -> Any:
    async with httpx.AsyncClient(timeout=30) as http:
        yield http


def spaced(national: str) -> str:
    """0991234567 → "+593 99 123 4567", as a person types it."""
    return f"+593 {without_zero(national)}"


def without_zero(national: str) -> str:
    """0991234567 → "99 123 4567": the leading 0 left out, with spaces."""
    digits = national.removeprefix("0")
    return f"{digits[:2]} {digits[2:5]} {digits[5:]}"


async def add_line(
    client: httpx.AsyncClient,
    user: dict[str, str],
    service_type: str,
    number: str,
    base: str = LINES,
) -> httpx.Response:
    body = {"service_type": service_type, "number": number}
    return await client.post(f"{base}/lines", json=body, headers=auth(user))


async def add_subscribed_line(
    client: httpx.AsyncClient,
    user: dict[str, str],
    service_type: str,
    number: str,
    base: str = LINES,
) -> httpx.Response:
    """ "GENERAR" for a subscription the operator just created: lines learns it from billing's
    SubscriptionActivated a moment later (422 not_a_subscriber until then)."""
    for _ in range(100):
        answer = await add_line(client, user, service_type, number, base)
        if answer.status_code != 422 or answer.json()["error"]["code"] != "not_a_subscriber":
            return answer
        await asyncio.sleep(0.2)
    return answer


async def verify(
    client: httpx.AsyncClient, user: dict[str, str], line_id: str, code: str
) -> httpx.Response:
    url = f"{LINES}/lines/{line_id}/verification"
    return await client.post(url, json={"code": code}, headers=auth(user))


async def registered_line(
    client: httpx.AsyncClient, user: dict[str, str], number: str, service_type: str = "movil"
) -> str:
    """GENERAR → the SMS → Aceptar: the verified line's id."""
    before = len(await sms_to(client, e164(number)))
    created = await add_subscribed_line(client, user, service_type, number)
    assert created.status_code == 201, created.text
    [sms, *_] = await wait_for_sms(client, e164(number), before + 1)
    accepted = await verify(client, user, created.json()["line_id"], code_in(sms))
    assert accepted.status_code == 200, accepted.text
    return str(created.json()["line_id"])


async def bill_run(operator: httpx.AsyncClient, sub: dict[str, Any]) -> BillingPeriod:
    """The bill run of the subscriber's cycle for the last closed period, completed."""
    period = _last_closed(sub["cycle_day"])
    run = await operator.post(
        f"{BILLING}/admin/bill-runs", json={"cycle_day": sub["cycle_day"], "period": period.label}
    )
    assert run.status_code == 202, run.text
    assert (await _wait_completed(operator, run.json()["bill_run_id"]))["status"] == "completed"
    return period


async def until(check: Any, timeout: float = 30.0) -> Any:
    """Poll ``check()`` (a coroutine function) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.25)
    return result


async def test_customer_registers_a_mobile_line_and_reads_its_invoices(
    client: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    rng = random.Random()
    user = await customer(client)
    sub = await subscriber(operator, rng, "movil", start="2025-01-01")
    number = e164(sub["number"])

    types = await client.get(f"{LINES}/service-types", headers=auth(user))
    assert [t["code"] for t in types.json()] == ["movil", "fijo", "internet", "tv"]

    created = await add_subscribed_line(client, user, "movil", spaced(sub["number"]))
    assert created.status_code == 201, created.text
    line = created.json()
    assert line["number"] == number and line["status"] == "pending_verification"
    assert line["sent_to"].startswith("09") and line["sent_to"].endswith(sub["number"][-3:])
    [sms] = await wait_for_sms(client, number)
    assert "No compartas este código" in sms["text"]
    assert sms["data_coding"] == 8  # UCS-2: "código" is not in GSM-7; one segment of 70
    assert len(sms["text"]) <= 70
    assert (await verify(client, user, line["line_id"], code_in(sms))).status_code == 200

    await _receipt_recorded(operator, number, sms)

    listed = (await client.get(f"{LINES}/lines", headers=auth(user))).json()
    assert [(x["line_id"], x["status"]) for x in listed] == [(line["line_id"], "verified")]
    detail = await client.get(f"{LINES}/lines/{line['line_id']}", headers=auth(user))
    assert detail.status_code == 200 and detail.json()["plan_name"] == "Plan Conectado 15"

    period = await bill_run(operator, sub)

    async def invoices(typed: str) -> list[dict[str, Any]]:
        found = await client.get(f"{BILLING}/invoices", params={"line": typed}, headers=auth(user))
        # 404 until billing has consumed the line's LineRegistered.
        assert found.status_code in (200, 404), found.text
        return list(found.json()) if found.status_code == 200 else []

    # The number as the customer types it: without the leading 0 and with spaces.
    [row] = await until(lambda: invoices(without_zero(sub["number"])))
    assert row["period"] == period.label and row["status"] == "authorized"
    for typed in (sub["number"], sub["number"][1:], spaced(sub["number"])):
        assert await invoices(typed) == [row], typed
    xml = await client.get(f"{BILLING}/invoices/{row['invoice_id']}/xml", headers=auth(user))
    assert xml.status_code == 200 and b"<numeroAutorizacion>" in xml.content
    ride = await until(lambda: _ride_link(client, user, row["invoice_id"]), timeout=300)
    pdf = await client.get(ride)  # the signed link is the authorization
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert f'filename="{row["number"]}.pdf"' in pdf.headers["content-disposition"]
    statement = await client.get(
        f"{BILLING}/statement",
        params={"line": spaced(sub["number"]), "period": period.label},
        headers=auth(user),
    )
    assert statement.status_code == 200, statement.text
    assert statement.json()["account_id"] == sub["account_id"]

    await _consultar_shows(client, user, line["line_id"], row, period)


async def _receipt_recorded(operator: httpx.AsyncClient, number: str, sms: dict[str, Any]) -> None:
    """The simulator's delivery receipt (deliver_sm) is recorded on notifier's delivery."""

    async def receipt() -> dict[str, Any] | None:
        found = await operator.get(f"{NOTIFIER}/deliveries", params={"recipient": number})
        assert found.status_code == 200, found.text
        [delivery] = found.json()
        return delivery if delivery["dlr_status"] else None

    delivered = await until(receipt)
    assert (delivered["status"], delivered["dlr_status"]) == ("sent", "DELIVRD")
    assert delivered["provider_message_id"] == sms["message_id"]


async def _consultar_shows(
    client: httpx.AsyncClient,
    user: dict[str, str],
    line_id: str,
    row: dict[str, Any],
    period: BillingPeriod,
) -> None:
    """ "Consultar" comes from lines' projection of InvoiceIssued: the same figures as billing's."""

    async def summary() -> dict[str, Any] | None:
        got = await client.get(f"{LINES}/lines/{line_id}", headers=auth(user))
        latest: dict[str, Any] | None = got.json()["latest_invoice"]
        return latest

    latest = await until(summary)
    issued = await client.get(f"{BILLING}/invoices/{row['invoice_id']}", headers=auth(user))
    assert issued.status_code == 200, issued.text
    assert latest == {
        "invoice_id": row["invoice_id"],
        "period": period.label,
        "number": row["number"],
        "total": row["total"],
        "balance_due": issued.json()["statement"]["balance_due"],
        "issue_date": row["issue_date"],
    }


async def test_a_fixed_line_gets_its_code_on_the_contracts_contact_mobile(
    client: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    rng = random.Random()
    user = await customer(client)
    contact = f"09{rng.randint(80000000, 99999999)}"
    sub = await subscriber(operator, rng, "fijo", contact_mobile=contact)
    created = await add_subscribed_line(client, user, "fijo", sub["number"])
    assert created.status_code == 201, created.text
    assert created.json()["sent_to"] == f"{contact[:2]}•••••{contact[-3:]}"
    [sms] = await wait_for_sms(client, e164(contact))
    accepted = await verify(client, user, created.json()["line_id"], code_in(sms))
    assert accepted.status_code == 200, accepted.text
    assert await sms_to(client, e164(sub["number"])) == []

    no_mobile = await subscriber(operator, rng, "fijo", contact_mobile="")
    refused = await add_subscribed_line(client, user, "fijo", no_mobile["number"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "no_contact_mobile"
    assert "Comunícate con atención al cliente" in refused.json()["error"]["message"]


async def test_a_number_that_is_not_a_subscriber_gets_422_and_no_sms(
    client: httpx.AsyncClient,
) -> None:
    user = await customer(client)
    number = f"09{random.randint(80000000, 99999999)}"
    refused = await add_line(client, user, "movil", number)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"]["number"]
    wrong_type = await add_line(client, user, "movil", "(02) 234-5678")
    assert wrong_type.status_code == 422, wrong_type.text
    await asyncio.sleep(3)  # what a wrongly sent SMS would need to arrive
    assert await sms_to(client, e164(number)) == []


async def test_wrong_codes_and_a_quick_resend_are_refused(
    client: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    user = await customer(client)
    sub = await subscriber(operator, random.Random(), "movil")
    created = await add_subscribed_line(client, user, "movil", sub["number"])
    line_id = created.json()["line_id"]
    [sms] = await wait_for_sms(client, e164(sub["number"]))
    wrong = "000000" if code_in(sms) != "000000" else "111111"

    resend = await client.post(f"{LINES}/lines/{line_id}/verification/resend", headers=auth(user))
    assert resend.status_code == 429, resend.text
    assert 0 < int(resend.headers["Retry-After"]) <= 60

    answers = [await verify(client, user, line_id, wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 410]
    assert [a.json()["error"].get("attempts_left") for a in answers[:4]] == [4, 3, 2, 1]
    assert (await verify(client, user, line_id, code_in(sms))).status_code == 410
    assert len(await sms_to(client, e164(sub["number"]))) == 1


async def test_only_the_holder_of_a_line_sees_its_invoices(
    client: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    rng = random.Random()
    owner, other = await customer(client), await customer(client)
    sub = await subscriber(operator, rng, "movil", start="2025-01-01")
    line_id = await registered_line(client, owner, sub["number"])
    period = await bill_run(operator, sub)
    by_line = {"line": sub["number"][1:]}  # typed without the leading 0: 991234567
    rows = await until(
        lambda: _json(client.get(f"{BILLING}/invoices", params=by_line, headers=auth(owner)))
    )
    invoice = f"{BILLING}/invoices/{rows[0]['invoice_id']}"
    statement = {"line": sub["number"], "period": period.label}
    reads = [
        (f"{BILLING}/invoices", by_line),
        (invoice, None),
        (f"{invoice}/xml", None),
        (f"{invoice}/ride", None),
        (f"{BILLING}/statement", statement),
    ]
    for url, params in reads:
        response = await client.get(url, params=params, headers=auth(other))
        assert response.status_code == 404, (url, response.text)
        assert response.json()["error"]["code"] == "not_found"

    removed = await client.delete(f"{LINES}/lines/{line_id}", headers=auth(owner))
    assert removed.status_code == 204, removed.text

    async def locked_out() -> bool:
        response = await client.get(invoice, headers=auth(owner))
        return response.status_code == 404

    await until(locked_out)
    for url, params in reads:
        response = await client.get(url, params=params, headers=auth(owner))
        assert response.status_code == 404, (url, response.text)
    assert (await client.get(invoice, headers=operator.headers)).status_code == 200


async def _ride_link(client: httpx.AsyncClient, user: dict[str, str], invoice_id: str) -> str:
    """billing's 302 to the signed RIDE link, once rendering has made it (409 until then)."""
    answer = await client.get(f"{BILLING}/invoices/{invoice_id}/ride", headers=auth(user))
    if answer.status_code == 409:
        return ""
    assert answer.status_code == 302, answer.text
    return urljoin(GATEWAY + "/", answer.headers["location"])


async def _json(request: Any) -> Any:
    response = await request
    return response.json() if response.status_code == 200 else None


async def test_a_new_holder_moves_the_line_and_the_previous_one_is_told(
    client: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    first, second = await customer(client), await customer(client)
    sub = await subscriber(operator, random.Random(), "movil")
    await registered_line(client, first, sub["number"])
    await registered_line(client, second, sub["number"])
    assert (await client.get(f"{LINES}/lines", headers=auth(first))).json() == []
    [held] = (await client.get(f"{LINES}/lines", headers=auth(second))).json()
    assert held["status"] == "verified"
    mails = await wait_for_mail(client, first["email"], count=2)  # activation, then the move
    [moved] = [m for m in mails if "otra cuenta" in m["Subject"]]
    national = sub["number"]
    assert f"{national[:3]}***{national[-4:]}" in moved["Text"]
    assert "Ya no verás sus facturas" in moved["Text"]
