"""Notas de crédito and débito end to end (docs/sri.md §9, issue 12 item 5): a bill run's factura
authorized by SRI → a nota de crédito for an outage → authorized → the statement shows it; a
nota de débito for a reconnection → authorized; crediting more than is left → 422; the factura
lists its notes; the internal documents endpoint serves a note's authorized XML.

Runs its own SRI sandbox (this branch's code, which checks notes against their factura) and its
own billing process pointed at it, on the stack's FerretDB and Kafka.
"""

import asyncio
import hashlib
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree

from billing.domain.periods import BillingPeriod
from common.contracts.billing import CreditNoteIssued
from common.links import sign_link
from deploy.local import demo_data
from tests.billing_support import (
    PLAN,
    BillingProcess,
    holder,
    make_ruc,
    mobile_number,
    operator_headers,
    start_bill_run,
    wait_bill_run,
)
from tests.kafka_support import find_record
from tests.sandbox_support import SandboxProcess

DOCUMENT_KEY = "clave-de-documentos-de-la-prueba-de-notas"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        client.headers.update(await operator_headers(client))
        yield client


@pytest.fixture
async def billing(client: httpx.AsyncClient) -> AsyncIterator[BillingProcess]:
    with tempfile.TemporaryDirectory(prefix="sri-sandbox-notes-") as data_dir:
        sandbox = SandboxProcess(data_dir)
        await sandbox.start()
        process = BillingProcess(CONSUME_EVENTS="false", DOCUMENT_LINK_KEY=DOCUMENT_KEY)
        process.env["SRI_HOST"] = sandbox.url
        try:
            await process.start()
            issuer = demo_data.ISSUER | {"ruc": make_ruc()}
            put = await client.put(f"{process.url}/admin/issuer", json=issuer)
            assert put.status_code == 200, put.text
            plan = await client.put(f"{process.url}/admin/plans/{PLAN['code']}", json=PLAN)
            assert plan.status_code in (200, 201), plan.text
            yield process
        finally:
            await process.stop_and_drop()
            sandbox.stop()


async def _authorized_factura(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    """One account, one line, one bill run of the last closed period: its authorized factura."""
    rng = random.Random()
    period = BillingPeriod.containing(datetime.now().date(), 1).previous
    account = await client.post(
        f"{url}/admin/accounts",
        json={"holder": holder(rng), "cycle_day": 1, "payment_method": "20"},
    )
    assert account.status_code == 201, account.text
    account_id = account.json()["account_id"]
    sub = await client.post(
        f"{url}/admin/accounts/{account_id}/subscriptions",
        json={
            "number": mobile_number(rng),
            "service_type": "movil",
            "plan_code": PLAN["code"],
            "start_date": period.start.isoformat(),
        },
    )
    assert sub.status_code == 201, sub.text
    run = await wait_bill_run(client, url, await start_bill_run(client, url, period))
    assert run["status"] == "completed" and run["authorized"] == 1, run
    [row] = (await client.get(f"{url}/admin/invoices", params={"account_id": account_id})).json()
    assert row["status"] == "authorized"
    return dict(row)


async def _until_final(client: httpx.AsyncClient, url: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = (await client.get(url)).json()
        if body["status"] != "pending":
            return dict(body)
        await asyncio.sleep(0.3)
    raise AssertionError(f"still pending after {timeout} s: {body}")


def _note(reason: str, *lines: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "reason": reason,
        "lines": [{"description": d, "amount": a, "tax_code": t} for d, a, t in lines],
        "idempotency_key": f"nota-{uuid.uuid4().hex}",
    }


async def _credit_for_an_outage(
    client: httpx.AsyncClient, url: str, factura: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A nota de crédito of 3.00 + IVA 0.45 (idempotent), until SRI authorizes it."""
    invoice_id = factura["invoice_id"]
    outage = _note("Compensación por corte de servicio", ("Corte de 3 días", "3.00", "4"))
    created = await client.post(f"{url}/admin/invoices/{invoice_id}/credit-notes", json=outage)
    assert created.status_code == 201, created.text
    credit_id = created.json()["credit_note_id"]
    assert created.json()["number"] == "001-001-000000001"
    again = await client.post(f"{url}/admin/invoices/{invoice_id}/credit-notes", json=outage)
    assert again.json()["credit_note_id"] == credit_id  # idempotent

    credit = await _until_final(client, f"{url}/credit-notes/{credit_id}")
    assert credit["status"] == "authorized", credit
    assert credit["totals"]["total"] == "3.45" and credit["access_key"][8:10] == "04"
    assert credit["modified_number"] == factura["number"]

    return credit_id, credit


async def test_credit_and_debit_notes_end_to_end(
    client: httpx.AsyncClient, billing: BillingProcess
) -> None:
    url = billing.url
    factura = await _authorized_factura(client, url)  # 12.34 + 15% IVA = 14.19
    invoice_id, total = factura["invoice_id"], Decimal(factura["total"])
    assert total == Decimal("14.19")

    credit_id, credit = await _credit_for_an_outage(client, url, factura)

    # More than what is left (12.34 − 3.00 = 9.34 at 15%) is refused; nothing is numbered.
    over = _note("Otro crédito", ("Demasiado", "9.35", "4"))
    refused = await client.post(f"{url}/admin/invoices/{invoice_id}/credit-notes", json=over)
    assert refused.status_code == 422, refused.text
    assert "queda 9.34" in refused.json()["error"]["fields"]["lines"]

    # A reconnection fee as a nota de débito: 2.00 + IVA 0.30.
    fee = _note("Reconexión del servicio", ("Cargo por reconexión", "2.00", "4"))
    debit = await client.post(f"{url}/admin/invoices/{invoice_id}/debit-notes", json=fee)
    assert debit.status_code == 201, debit.text
    debit_id = debit.json()["debit_note_id"]
    debit_note = await _until_final(client, f"{url}/debit-notes/{debit_id}")
    assert debit_note["status"] == "authorized", debit_note
    assert debit_note["access_key"][8:10] == "05" and debit_note["totals"]["total"] == "2.30"

    # The factura lists the notes that modify it.
    detail = (await client.get(f"{url}/invoices/{invoice_id}")).json()
    assert [(n["kind"], n["status"], n["total"]) for n in detail["notes"]] == [
        ("credit_note", "authorized", "3.45"),
        ("debit_note", "authorized", "2.30"),
    ]

    # The statement of this month: the factura in the previous balance, the notes as charges.
    period = BillingPeriod.containing(datetime.now().date(), 1).label
    statement = await client.get(
        f"{url}/admin/accounts/{factura['account_id']}/statement", params={"period": period}
    )
    body = statement.json()
    kinds = {m["kind"]: m["amount"] for m in body["movements"]}
    assert kinds == {"credit_note": "-3.45", "debit_note": "2.30"}, body
    assert Decimal(body["balance_due"]) == total - Decimal("3.45") + Decimal("2.30")

    # The fiscal record: customers' way (operator here) and the internal documents endpoint.
    xml = await client.get(f"{url}/credit-notes/{credit_id}/xml")
    assert xml.status_code == 200
    record = etree.fromstring(xml.content)
    assert record.findtext("estado") == "AUTORIZADO"
    expires = int(time.time()) + 60
    signature = sign_link(DOCUMENT_KEY, credit["access_key"], expires)
    internal = await client.get(
        f"{url}/documents/{credit['access_key']}.xml",
        params={"expires": expires, "signature": signature},
    )
    assert internal.status_code == 200 and internal.content == xml.content
    await _published(credit_id, credit, xml.content)


async def _published(credit_id: str, credit: dict[str, Any], authorized: bytes) -> None:
    """CreditNoteIssued on its topic, keyed by the note, naming the XML the API serves."""
    record = await find_record(CreditNoteIssued.topic, credit_id.encode())
    event = CreditNoteIssued.model_validate_json(record.value)
    data = event.data
    assert (data.note_id, data.doc_type, data.access_key) == (credit_id, "04", credit["access_key"])
    assert data.modified_invoice_id == credit["modified_invoice_id"]
    assert data.totals.total == "3.45" and data.reason == "Compensación por corte de servicio"
    assert data.authorized_xml_sha256 == hashlib.sha256(authorized).hexdigest()
    assert data.authorized_xml_size == len(authorized)
