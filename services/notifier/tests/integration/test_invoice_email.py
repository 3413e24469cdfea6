"""The invoice email on the real FerretDB (invoice_mails, deliveries) and the real Mailpit, under
FastStream's TestKafkaBroker: RideRendered before InvoiceIssued, replays, both attachments
byte for byte (the RIDE comes from a stand-in for rendering, the XML from one for billing;
tests/integration/test_fiscal_documents.py fetches it from a real billing)."""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from faststream.kafka import TestKafkaBroker

from common.contracts import InvoiceIssued, RideRendered
from common.contracts.billing import Holder, InvoiceIssuedData, StatementSummary, Totals
from common.contracts.rendering import RideRenderedData
from common.documents import check
from notifier.adapters.invoice_store import INVOICE_MAILS
from notifier.bootstrap import Notifier
from notifier.use_cases import invoices
from tests.support import MAILPIT, unique_email, wait_for_mail

MakeApp = Callable[..., Awaitable[FastAPI]]
PDF = b"%PDF-1.7\n" + uuid.uuid4().bytes * 100 + b"\n%%EOF\n"
XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n'
    "<autorizacion><a>Peñafiel &amp; Cía</a></autorizacion>\n"
)


class Rides:
    def __init__(self) -> None:
        self.pdfs: dict[str, bytes] = {}

    async def fetch(self, access_key: str) -> bytes:
        return self.pdfs[access_key]


class Documents:
    """billing's documents: XML for every clave, checked as common.documents checks it."""

    async def authorized_xml(self, access_key: str, sha256: str, size: int) -> bytes:
        return check(XML.encode(), sha256, size)


def events(email: str, authorized_at: datetime | None = None) -> tuple[InvoiceIssued, RideRendered]:
    """An invoice authorized now (after the notifier's first start: it is emailed)."""
    invoice_id, key = uuid.uuid4().hex, f"{uuid.uuid4().int:049d}"
    number = f"001-001-{uuid.uuid4().int % 10**9:09d}"
    issued = InvoiceIssued(
        data=InvoiceIssuedData(
            invoice_id=invoice_id,
            account_id="acc-1",
            period="2026-11",
            number=number,
            access_key=key,
            issue_date=date(2026, 12, 1),
            authorization_number=key,
            authorized_at=authorized_at or datetime.now(UTC),
            environment="pruebas",
            holder=Holder(
                name="Ana Peñafiel", email=email, id_type="cedula", id_number="1714307103"
            ),
            lines=["+593991234567"],
            totals=Totals(subtotal="20.00", discount="0.00", taxes="3.00", total="23.00"),
            statement=StatementSummary(
                previous_balance="0.00",
                payments="0.00",
                charges="23.00",
                adjustments="0.00",
                balance_due="23.00",
                due_date=date(2026, 12, 16),
            ),
            authorized_xml_sha256=hashlib.sha256(XML.encode()).hexdigest(),
            authorized_xml_size=len(XML.encode()),
        )
    )
    rendered = RideRendered(
        data=RideRenderedData(
            invoice_id=invoice_id,
            account_id="acc-1",
            access_key=key,
            number=number,
            period="2026-11",
            size=len(PDF),
            sha256=hashlib.sha256(PDF).hexdigest(),
            rendered_at=datetime.now(UTC),
        )
    )
    return issued, rendered


async def publish(app: FastAPI, event: Any) -> None:
    await app.state.runtime.broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


async def test_ride_first_then_invoice_and_replays_make_one_email_with_both_files(
    make_app: MakeApp,
) -> None:
    rides = Rides()
    app = await make_app(parts={"rides": rides, "documents": Documents()})
    email = unique_email("factura")
    issued, rendered = events(email)
    rides.pdfs[issued.data.access_key] = PDF
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, rendered)
        await publish(app, issued)
        await publish(app, rendered)
        await publish(app, issued)
    async with httpx.AsyncClient(timeout=10) as client:
        [message] = await wait_for_mail(client, email)
        number = issued.data.number
        assert message["Subject"] == f"Tu factura electrónica de noviembre 2026 — {number}"
        files = {a["FileName"]: a for a in message["Attachments"]}
        assert set(files) == {f"{number}.pdf", f"{number}.xml"}
        assert files[f"{number}.pdf"]["ContentType"] == "application/pdf"
        assert files[f"{number}.xml"]["ContentType"] == "application/xml"
        for name, expected in ((f"{number}.pdf", PDF), (f"{number}.xml", XML.encode())):
            part = await client.get(
                f"{MAILPIT}/api/v1/message/{message['ID']}/part/{files[name]['PartID']}"
            )
            assert part.content == expected
    svc: Notifier = app.state.service
    doc = await app.state.runtime.database[INVOICE_MAILS].find_one({"_id": issued.data.invoice_id})
    assert doc is not None and doc["emailed_at"] is not None
    count, _ = await invoices.measure(svc)
    assert count == 0


async def test_an_invoice_without_its_ride_is_counted_as_not_emailed(make_app: MakeApp) -> None:
    app = await make_app(parts={"rides": Rides(), "documents": Documents()})
    issued, _ = events(unique_email("factura"))
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, issued)
        await publish(app, issued)
    count, oldest = await invoices.measure(app.state.service)
    assert count == 1 and oldest > 0
