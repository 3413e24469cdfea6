"""The service on the real FerretDB with the real worker pool (Kafka in memory: FastStream's
TestKafkaBroker): an authorized factura in InvoiceIssued → one PDF in GridFS, one ride record
with RideRendered in its outbox, even when replayed with a new event id; the download route
serves it through a signed link."""

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import TestKafkaBroker

from common.contracts import InvoiceIssued
from common.links import sign_link
from rendering.adapters.store import INDEXES, RIDES
from rendering.app import build
from rendering.domain.parse import read_ride
from rendering.settings import RenderingSettings
from services.rendering.tests.unit.facturas import authorized, one_rate
from services.rendering.tests.unit.fakes import FakeDocuments, invoice_issued
from tests.support import KAFKA, MONGODB

KEY = "clave-de-enlaces-de-integracion-0123456789"


@pytest.fixture
async def app() -> AsyncIterator[FastAPI]:
    name = f"rendering_test_{uuid.uuid4().hex[:10]}"
    settings = RenderingSettings(
        mongodb_url=MONGODB,
        mongodb_database=name,
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        consumer_backoff_seconds=0.05,
        ride_link_key=KEY,
        render_workers=1,
        render_tasks_per_worker=5,
    )
    # billing's documents on a fake (tests/integration/test_fiscal_documents.py: the real one).
    app = build(settings, documents=FakeDocuments())
    await app.state.runtime.database.ensure_indexes(INDEXES)
    try:
        yield app
    finally:
        app.state.service.renderer.close()
        database = app.state.runtime.database
        await database.client.drop_database(name)
        await database.close()


async def publish(app: FastAPI, event: InvoiceIssued) -> None:
    await app.state.runtime.broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


async def test_an_invoice_gets_one_ride_and_its_link_serves_it(app: FastAPI) -> None:
    xml = authorized(one_rate()).decode()
    ride = read_ride(xml.encode())
    event = invoice_issued(xml, access_key=ride.access_key, number=ride.number)
    async with TestKafkaBroker(app.state.runtime.broker):
        await publish(app, event)
        again: dict[str, Any] = event.model_dump() | {"event_id": uuid.uuid4()}
        await publish(app, InvoiceIssued.model_validate(again))
    db = app.state.runtime.database.db
    assert await db["ride_pdfs.files"].count_documents({}) == 1
    doc = await db[RIDES].find_one({"_id": ride.access_key})
    assert doc is not None and doc["status"] == "rendered"
    assert [e["topic"] for e in doc["outbox"]] == ["rendering.ride-rendered"]

    expires = int(time.time()) + 300
    signature = sign_link(KEY, ride.access_key, expires)
    url = f"/v1/rides/{ride.access_key}.pdf?expires={expires}&signature={signature}"
    transport = httpx.ASGITransport(app=app)  # the app's loop is this test's: the client's too
    async with httpx.AsyncClient(transport=transport, base_url="http://rendering") as client:
        response = await client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert len(response.content) == doc["size"]
    assert response.headers["content-disposition"] == f'inline; filename="{ride.number}.pdf"'
