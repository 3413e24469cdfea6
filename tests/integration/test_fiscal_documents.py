"""InvoiceIssued names the authorized XML; rendering and notifier fetch it from billing. On the
real FerretDB, with a billing process of the test's own (its port and database, consuming and
publishing nothing) holding authorized invoices written by its own store:

- billing serves the stored bytes through a link signed with DOCUMENT_LINK_KEY
  (common.documents), 403 for another key or an expired link, 404 for an unknown clave;
- rendering (its real app and worker pool; Kafka in memory, FastStream's TestKafkaBroker)
  renders the RIDE of an InvoiceIssued from them, and dead-letters at once an event naming
  other bytes (the ride recorded failed, RideFailed in its outbox);
- with billing unreachable the event waits — fetched more times than CONSUMER_MAX_ATTEMPTS,
  nothing dead-lettered — and is rendered once billing answers again (tests.support.forward);
- notifier keeps those bytes for the invoice email.

Nothing reaches the stack's topics: the services' brokers are in memory here."""

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import KafkaMessage, TestKafkaBroker

from billing.adapters.store.invoices import InvoiceStore
from common.contracts import InvoiceIssued
from common.contracts.billing import Holder, InvoiceIssuedData, StatementSummary, Totals
from common.database import Database
from common.documents import BillingDocuments, DocumentMissing, DocumentRefused
from common.links import sign_link
from notifier.adapters.invoice_store import INVOICE_MAILS
from notifier.adapters.store import INDEXES as NOTIFIER_INDEXES
from notifier.app import build as build_notifier
from notifier.settings import NotifierSettings
from rendering.adapters.store import INDEXES as RENDERING_INDEXES
from rendering.adapters.store import RIDES
from rendering.app import build as build_rendering
from rendering.domain.parse import read_ride
from rendering.settings import RenderingSettings
from services.billing.tests.unit.invoice_fakes import record
from services.rendering.tests.unit.facturas import authorized, invoice, line
from tests.billing_support import BillingProcess
from tests.support import KAFKA, MONGODB, forward, free_port

KEY = "clave-de-documentos-de-integracion-0123456789"


@dataclass(frozen=True)
class Stored:
    access_key: str
    number: str
    xml: bytes


@dataclass(frozen=True)
class Billing:
    url: str
    port: int
    invoices: list[Stored]


def authorized_xml(sequential: int) -> bytes:
    return authorized(invoice(line("PLAN-25", "25.99"), sequential=sequential))


@pytest.fixture(scope="module")
def billing() -> Iterator[Billing]:
    """A billing process of our own with three authorized invoices, each with a real record."""
    process = BillingProcess(CONSUME_EVENTS="false", DOCUMENT_LINK_KEY=KEY)

    async def start() -> list[Stored]:
        await process.start()
        database = Database(MONGODB, process.database)
        stored = []
        try:
            store = InvoiceStore(database)
            for n in (501, 502, 503):
                xml = authorized_xml(n)
                ride = read_ride(xml)
                doc = dict(record(n)) | {"access_key": ride.access_key}
                assert (await store.insert_batch([doc])).inserted == 1
                await store.save_authorized(doc["_id"], xml)
                stored.append(Stored(ride.access_key, ride.number, xml))
        finally:
            await database.close()
        return stored

    try:
        stored = asyncio.run(start())
        yield Billing(f"http://127.0.0.1:{process.port}", process.port, stored)
    finally:
        asyncio.run(process.stop_and_drop())


def issued(stored: Stored, **changes: Any) -> InvoiceIssued:
    data: dict[str, Any] = {
        "invoice_id": uuid.uuid4().hex,
        "account_id": "acc-1",
        "period": "2026-11",
        "number": stored.number,
        "access_key": stored.access_key,
        "issue_date": date(2026, 12, 1),
        "authorization_number": stored.access_key,
        "authorized_at": datetime.now(UTC),
        "environment": "PRUEBAS",
        "holder": Holder(
            name="Ana Peñafiel", email="ana@pruebas.ec", id_type="cedula", id_number="1714307103"
        ),
        "lines": ["+593991234567"],
        "totals": Totals(subtotal="35.99", discount="0.00", taxes="5.40", total="41.39"),
        "statement": StatementSummary(
            previous_balance="0.00",
            payments="0.00",
            charges="41.39",
            adjustments="0.00",
            balance_due="41.39",
            due_date=date(2026, 12, 16),
        ),
        "authorized_xml_sha256": hashlib.sha256(stored.xml).hexdigest(),
        "authorized_xml_size": len(stored.xml),
    }
    return InvoiceIssued(data=InvoiceIssuedData(**data | changes))


async def publish(app: FastAPI, event: InvoiceIssued) -> None:
    await app.state.runtime.broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


class Counting:
    """billing's documents, counting the fetches (to know the event has waited)."""

    def __init__(self, documents: BillingDocuments) -> None:
        self.documents = documents
        self.calls = 0

    async def authorized_xml(self, access_key: str, sha256: str, size: int) -> bytes:
        self.calls += 1
        return await self.documents.authorized_xml(access_key, sha256, size)


@contextlib.asynccontextmanager
async def rendering(billing_url: str, **parts: Any) -> AsyncIterator[FastAPI]:
    name = f"rendering_test_{uuid.uuid4().hex[:10]}"
    settings = RenderingSettings(
        mongodb_url=MONGODB,
        mongodb_database=name,
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        consumer_backoff_seconds=0.05,
        consumer_backoff_max_seconds=0.2,
        consumer_max_attempts=2,
        billing_url=billing_url,
        document_link_key=KEY,
        document_fetch_timeout_seconds=5,
        render_workers=1,
        render_tasks_per_worker=5,
    )
    app = build_rendering(settings, **parts)
    await app.state.runtime.database.ensure_indexes(RENDERING_INDEXES)
    try:
        yield app
    finally:
        app.state.service.renderer.close()
        database = app.state.runtime.database
        await database.client.drop_database(name)
        await database.close()


async def ride(app: FastAPI, access_key: str) -> dict[str, Any]:
    doc = await app.state.runtime.database[RIDES].find_one({"_id": access_key})
    assert doc is not None
    return dict(doc)


def dead_letters(app: FastAPI) -> list[dict[str, str]]:
    dead: list[dict[str, str]] = []

    @app.state.runtime.broker.subscriber(f"{InvoiceIssued.topic}.dlq")
    async def dlq(body: dict[str, Any], message: KafkaMessage) -> None:
        dead.append(dict(message.headers))

    return dead


async def test_billing_serves_the_stored_record_to_a_signed_link_only(billing: Billing) -> None:
    stored = billing.invoices[0]
    digest = hashlib.sha256(stored.xml).hexdigest()
    documents = BillingDocuments(billing.url, KEY, 5)
    try:
        xml = await documents.authorized_xml(stored.access_key, digest, len(stored.xml))
        assert xml == stored.xml
        with pytest.raises(DocumentMissing):
            await documents.authorized_xml("1" * 49, digest, len(stored.xml))
    finally:
        await documents.close()
    other = BillingDocuments(billing.url, "otra-clave-que-billing-no-conoce-0123456789", 5)
    try:
        with pytest.raises(DocumentRefused, match="403"):
            await other.authorized_xml(stored.access_key, digest, len(stored.xml))
    finally:
        await other.close()
    past = int(time.time()) - 1
    signature = sign_link(KEY, stored.access_key, past)
    url = f"{billing.url}/v1/documents/{stored.access_key}.xml?expires={past}&signature={signature}"
    async with httpx.AsyncClient() as client:
        expired = await client.get(url)
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "link_invalid"


async def test_rendering_renders_from_billings_record_and_refuses_other_bytes(
    billing: Billing,
) -> None:
    good, named_wrong = billing.invoices[0], billing.invoices[1]
    async with rendering(billing.url) as app:
        dead = dead_letters(app)
        async with TestKafkaBroker(app.state.runtime.broker):
            await publish(app, issued(good))
            await publish(app, issued(named_wrong, authorized_xml_sha256="0" * 64))
        rendered = await ride(app, good.access_key)
        assert rendered["status"] == "rendered" and rendered["size"] > 0
        pdfs = app.state.runtime.database.db["ride_pdfs.files"]
        assert await pdfs.count_documents({"_id": good.access_key}) == 1
        [headers] = dead
        assert headers["dlq_error_type"] == "DocumentMismatch"
        refused = await ride(app, named_wrong.access_key)
        assert refused["status"] == "failed" and refused["retryable"]
        assert [e["topic"] for e in refused["outbox"]] == ["rendering.ride-failed"]


async def test_billing_unreachable_is_waited_out_then_rendered(billing: Billing) -> None:
    stored, port = billing.invoices[2], free_port()
    documents = Counting(BillingDocuments(f"http://127.0.0.1:{port}", KEY, 5))
    async with rendering(f"http://127.0.0.1:{port}", documents=documents) as app:
        dead = dead_letters(app)
        attempts = app.state.service.settings.consumer_max_attempts
        async with TestKafkaBroker(app.state.runtime.broker):
            waiting = asyncio.create_task(publish(app, issued(stored)))
            async with asyncio.timeout(60):
                while documents.calls <= attempts + 2:  # past every attempt a failure gets
                    await asyncio.sleep(0.05)
            assert not waiting.done() and dead == []
            async with forward(port, ("127.0.0.1", billing.port)):  # billing answers again
                await asyncio.wait_for(waiting, 60)
        assert (await ride(app, stored.access_key))["status"] == "rendered" and dead == []
    await documents.documents.close()


async def test_notifier_keeps_billings_record_for_the_email(billing: Billing) -> None:
    stored = billing.invoices[0]
    name = f"notifier_test_{uuid.uuid4().hex[:10]}"
    settings = NotifierSettings(
        mongodb_url=MONGODB,
        mongodb_database=name,
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        billing_url=billing.url,
        document_link_key=KEY,
        smpp_port=free_port(),  # never the stack's SMSC
    )
    app = build_notifier(settings)
    runtime = app.state.runtime
    await runtime.database.ensure_indexes(NOTIFIER_INDEXES)
    try:
        for step in runtime.startup:  # the first start recorded: the invoice is emailed
            await step(runtime)
        event = issued(stored)
        async with TestKafkaBroker(runtime.broker):
            await publish(app, event)
        doc = await runtime.database[INVOICE_MAILS].find_one({"_id": event.data.invoice_id})
        assert doc is not None and doc["not_emailed_reason"] is None
        assert doc["issued"]["authorized_xml"].encode() == stored.xml
    finally:
        await runtime.database.client.drop_database(name)
        await runtime.database.close()
