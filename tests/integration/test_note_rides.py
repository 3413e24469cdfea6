"""A nota de crédito and a nota de débito from billing's events to the customer's inbox (issue 12),
with the real parts: rendering's app and worker pool on the real FerretDB (GridFS), notifier's
app on the real FerretDB and the real Mailpit; Kafka in memory (FastStream's TestKafkaBroker, on
each service's own broker: nothing reaches the stack's topics).

billing's documents are a stand-in serving each note's authorized record (an XSD-valid, signed
note in SRI's autorizacion, services/rendering/tests/unit/notes.py), checked as common.documents
checks it. CreditNoteIssued / DebitNoteIssued → rendering renders the RIDE, stores it by clave and
writes RideRendered (doc_type 04 / 05) to its outbox → that RideRendered and the note's event
reach notifier (the RIDE first for the debit note) → one email per note in Mailpit with the PDF
rendering stored and the XML billing serves, byte for byte.
"""

import contextlib
import hashlib
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import TestKafkaBroker

from common.contracts import CreditNoteIssued, DebitNoteIssued, RideRendered
from common.contracts.billing import Holder, Totals
from common.documents import check
from notifier.adapters.note_store import NOTE_MAILS
from notifier.adapters.store import INDEXES as NOTIFIER_INDEXES
from notifier.app import build as build_notifier
from notifier.settings import NotifierSettings
from rendering.adapters.store import INDEXES as RENDERING_INDEXES
from rendering.adapters.store import RIDES
from rendering.app import build as build_rendering
from rendering.domain.documents import read_document
from rendering.settings import RenderingSettings
from services.rendering.tests.unit import notes
from tests.support import KAFKA, MAILPIT, MONGODB, free_port, unique_email, wait_for_mail

Note = CreditNoteIssued | DebitNoteIssued


class Documents:
    """billing's documents: each note's record by clave, checked against the event's digest."""

    def __init__(self) -> None:
        self.served: dict[str, bytes] = {}

    async def authorized_xml(self, access_key: str, sha256: str, size: int) -> bytes:
        return check(self.served[access_key], sha256, size)


class RenderingRides:
    """notifier's RIDE source reading what rendering stored (its GridFS), not a copy."""

    def __init__(self, rendering: FastAPI) -> None:
        self.storage = rendering.state.service.storage

    async def fetch(self, access_key: str) -> bytes:
        stored = await self.storage.get(access_key)
        assert stored is not None, access_key
        content: bytes = stored.content
        return content


@contextlib.asynccontextmanager
async def rendering(documents: Documents) -> AsyncIterator[FastAPI]:
    name = f"rendering_test_{uuid.uuid4().hex[:10]}"
    settings = RenderingSettings(
        mongodb_url=MONGODB,
        mongodb_database=name,
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        consumer_backoff_seconds=0.05,
        render_workers=1,
        render_tasks_per_worker=5,
    )
    app = build_rendering(settings, documents=documents)
    await app.state.runtime.database.ensure_indexes(RENDERING_INDEXES)
    try:
        yield app
    finally:
        app.state.service.renderer.close()
        database = app.state.runtime.database
        await database.client.drop_database(name)
        await database.close()


@contextlib.asynccontextmanager
async def notifier(**parts: Any) -> AsyncIterator[FastAPI]:
    name = f"notifier_test_{uuid.uuid4().hex[:10]}"
    settings = NotifierSettings(
        mongodb_url=MONGODB,
        mongodb_database=name,
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        consumer_backoff_seconds=0.05,
        portal_base_url="https://mi.claro.ec",
        smpp_port=free_port(),  # never the stack's SMSC
        invoice_email_since=datetime(2020, 1, 1, tzinfo=UTC),  # the notes are emailed
    )
    app = build_notifier(settings, **parts)
    runtime = app.state.runtime
    await runtime.database.ensure_indexes(NOTIFIER_INDEXES)
    try:
        for step in runtime.startup:  # as the lifespan does before consuming
            await step(runtime)
        yield app
    finally:
        await runtime.database.client.drop_database(name)
        await runtime.database.close()


def note_event(kind: type[Note], record: bytes, email: str) -> Note:
    ride = read_document(record, "04" if kind is CreditNoteIssued else "05")
    total = ride.totals[-1].value
    data: dict[str, Any] = {
        "note_id": uuid.uuid4().hex,
        "account_id": "acc-1",
        "number": ride.number,
        "access_key": ride.access_key,
        "issue_date": date(2026, 12, 1),
        "authorization_number": ride.authorization_number,
        "authorized_at": datetime.now(UTC),
        "environment": "PRODUCCIÓN",
        "holder": Holder(
            name="José Núñez Peña", email=email, id_type="cedula", id_number="1714307103"
        ),
        "lines": ["+593991234567"],
        "modified_invoice_id": "inv-123",
        "modified_number": notes.MODIFIED_NUMBER,
        "modified_issue_date": date(2026, 11, 1),
        "reason": ride.reasons[0].text,
        "totals": Totals(subtotal="0.00", discount="0.00", taxes="0.00", total=f"{total:.2f}"),
        "authorized_xml_sha256": hashlib.sha256(record).hexdigest(),
        "authorized_xml_size": len(record),
    }
    return kind.model_validate({"data": data})


async def publish(app: FastAPI, event: Any) -> None:
    await app.state.runtime.broker.publish(
        event.model_dump_json().encode(),
        event.topic,
        key=event.key().encode(),
        headers=event.cloudevents_headers(),
    )


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ride.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


@pytest.mark.parametrize(
    ("kind", "title"),
    [(CreditNoteIssued, "Nota de crédito"), (DebitNoteIssued, "Nota de débito")],
)
async def test_a_note_is_rendered_and_emailed_with_its_ride_and_xml(
    kind: type[Note], title: str
) -> None:
    record = notes.authorized(
        notes.credit_note() if kind is CreditNoteIssued else notes.debit_note()
    )
    email = unique_email("nota")
    event = note_event(kind, record, email)
    documents = Documents()
    documents.served[event.data.access_key] = record
    async with rendering(documents) as renderer, notifier(documents=documents) as mailer:
        async with TestKafkaBroker(renderer.state.runtime.broker):
            await publish(renderer, event)
        ride = await renderer.state.runtime.database[RIDES].find_one({"_id": event.data.access_key})
        assert ride is not None and ride["status"] == "rendered", ride
        assert ride["doc_type"] == event.data.doc_type
        [entry] = ride["outbox"]
        announced = RideRendered.model_validate_json(entry["payload"])
        assert announced.data.doc_type == event.data.doc_type
        assert announced.key() == event.data.note_id

        mailer.state.service.rides = RenderingRides(renderer)
        # The debit note's RIDE reaches notifier before its event: either order works.
        order = [event, announced] if kind is CreditNoteIssued else [announced, event]
        async with TestKafkaBroker(mailer.state.runtime.broker):
            for message in order:
                await publish(mailer, message)
        stored = await renderer.state.service.storage.get(event.data.access_key)
        mail = await mailer.state.runtime.database[NOTE_MAILS].find_one({"_id": event.data.note_id})
        assert mail is not None and mail.get("emailed_at") is not None, mail

    number = event.data.number
    async with httpx.AsyncClient(timeout=10) as client:
        [message] = await wait_for_mail(client, email)
        assert message["Subject"] == f"{title} {number} — factura {notes.MODIFIED_NUMBER}"
        assert event.data.reason in message["Text"]
        files = {a["FileName"]: a for a in message["Attachments"]}
        assert set(files) == {f"{number}.pdf", f"{number}.xml"}
        parts = {}
        for name in files:
            url = f"{MAILPIT}/api/v1/message/{message['ID']}/part/{files[name]['PartID']}"
            parts[name] = (await client.get(url)).content
    assert parts[f"{number}.xml"] == record
    assert parts[f"{number}.pdf"] == stored.content
    text = pdf_text(parts[f"{number}.pdf"])
    assert title.upper() in text and f"FACTURA {notes.MODIFIED_NUMBER}" in text
