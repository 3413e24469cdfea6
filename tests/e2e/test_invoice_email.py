"""The invoice email end to end: a bill run → InvoiceIssued (billing) → RideRendered (rendering)
→ notifier fetches the RIDE (rendering) and the authorized XML (billing) by signed links and
emails both to the holder's billing email, in Mailpit; replaying either event sends no second
email."""

import asyncio
import hashlib
import json
import uuid
from typing import Any

import httpx

from common.contracts import InvoiceIssued
from tests.e2e.test_rendering_flow import ISSUED, RENDERED, _bill_run, operator
from tests.kafka_support import find_record, headers_of, produce
from tests.support import MAILPIT, mails_to, wait_for_mail

__all__ = ["operator"]  # the fixture, used by name

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")  # fmt: skip


async def _part(client: httpx.AsyncClient, message: dict[str, Any], name: str) -> bytes:
    [attachment] = [a for a in message["Attachments"] if a["FileName"] == name]
    response = await client.get(
        f"{MAILPIT}/api/v1/message/{message['ID']}/part/{attachment['PartID']}"
    )
    response.raise_for_status()
    return response.content


async def _replay(topic: str, key: bytes) -> None:
    """The same record again, and a copy with a new event id (past the processed-events mark)."""
    record = await find_record(topic, key)
    await produce(topic, record.value, record.key, headers_of(record))
    event = json.loads(record.value)
    event["event_id"] = str(uuid.uuid4())
    await produce(
        topic,
        json.dumps(event).encode(),
        record.key,
        headers_of(record) | {"ce_id": event["event_id"]},
    )


async def test_every_invoice_is_emailed_once_with_its_ride_and_xml(
    operator: httpx.AsyncClient,
) -> None:
    invoices = await _bill_run(operator, accounts=2)
    async with httpx.AsyncClient(timeout=30) as client:
        for invoice in invoices:
            key = invoice["invoice_id"].encode()
            record = await find_record(ISSUED, key, 300)
            issued = InvoiceIssued.model_validate_json(record.value).data
            rendered = json.loads((await find_record(RENDERED, key, 300)).value)["data"]
            email, number = invoice["holder"]["email"], invoice["number"]
            [message] = await wait_for_mail(client, email, timeout=120)
            year, month = issued.period.split("-")
            period = f"{MONTHS[int(month) - 1]} {int(year)}"
            assert message["Subject"] == f"Tu factura electrónica de {period} — {number}"
            types = {a["FileName"]: a["ContentType"] for a in message["Attachments"]}
            assert types == {f"{number}.pdf": "application/pdf", f"{number}.xml": "application/xml"}
            pdf = await _part(client, message, f"{number}.pdf")
            assert hashlib.sha256(pdf).hexdigest() == rendered["sha256"]
            xml = await _part(client, message, f"{number}.xml")
            # The record InvoiceIssued names (billing serves it to notifier by clave).
            assert hashlib.sha256(xml).hexdigest() == issued.authorized_xml_sha256
            assert len(xml) == issued.authorized_xml_size
            assert "/" in message["Text"] and number in message["Text"]

        first = invoices[0]
        await _replay(ISSUED, first["invoice_id"].encode())
        await _replay(RENDERED, first["invoice_id"].encode())
        await asyncio.sleep(5)  # notifier consumes the replays meanwhile (nothing to wait for)
        assert len(await mails_to(client, first["holder"]["email"])) == 1
