"""The correction store on the real database (FerretDB): the rejected list by state, and the
correction write — one compare-and-set on ``version`` (a stale copy writes nothing), the
rejected version's signed XML dropped, the new buyer stored, InvoiceCorrected in the outbox, the
statement counting the invoice again."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from billing.adapters.store import INDEXES
from billing.adapters.store.corrections import CorrectionStore
from billing.adapters.store.invoices import INVOICES, InvoiceStore
from billing.domain.correction import corrected_factura, invoice_holder
from billing.domain.submission import Message, ReceptionAnswer, State
from common.database import Database
from common.outbox import OUTBOX_FIELD
from services.billing.tests.unit.invoice_fakes import ISSUER, POLICY, account, record
from tests.support import MONGODB

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
REFUSED = Message("39", "FIRMA INVALIDA", None, "ERROR")


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    name = f"billing_test_{uuid.uuid4().hex[:10]}"
    db = Database(MONGODB, name)
    await db.ensure_indexes(INDEXES)
    try:
        yield db
    finally:
        await db.client.drop_database(name)
        await db.close()


async def test_a_rejected_invoice_is_listed_then_corrected_once(database: Database) -> None:
    invoices, corrections = InvoiceStore(database), CorrectionStore(database)
    owner = account("acc-1")
    doc, other = record(7, owner), record(8, account("acc-2", number="0997654321"))
    await invoices.insert_batch([doc, other])
    await invoices.save_signed([(doc["_id"], b"<rejected-version/>")])
    loaded = await invoices.get(doc["_id"])
    assert loaded is not None
    loaded.submitting(NOW, POLICY)
    loaded.reception_answered(ReceptionAnswer("DEVUELTA", (REFUSED,)), NOW, POLICY)
    assert await invoices.save(loaded)
    [listed] = await corrections.rejected(10)
    assert (listed.invoice_id, listed.sri_messages) == (doc["_id"], (REFUSED,))
    assert (await invoices.movements([owner.account_id]))[owner.account_id] == []

    rejected = await invoices.get(doc["_id"])
    assert rejected is not None and rejected.factura is not None
    stale = replace(rejected, history=[], events=[])
    fixed = replace(owner, holder=replace(owner.holder, name="Ana María Pérez"))
    rejected.corrected(
        corrected_factura(rejected.factura, ISSUER, fixed), invoice_holder(fixed), NOW
    )
    assert await corrections.save_corrected(rejected)
    assert stale.factura is not None
    stale.corrected(corrected_factura(stale.factura, ISSUER, owner), invoice_holder(owner), NOW)
    assert not await corrections.save_corrected(stale)

    assert await corrections.rejected(10) == []
    assert await invoices.signed_xml(doc["_id"]) is None  # never the rejected version again
    again = await invoices.get(doc["_id"])
    assert again is not None and again.factura is not None
    assert (again.state, again.access_key) == (State.SIGNED, doc["access_key"])
    assert again.factura.buyer.name == "Ana María Pérez" == again.holder.name
    stored = await database.db[INVOICES].find_one({"_id": doc["_id"]})
    assert stored is not None and stored["corrections"] == 1
    topics = [event["topic"] for event in stored[OUTBOX_FIELD]]
    assert topics.count("billing.invoice-corrected") == 1
    [movement] = (await invoices.movements([owner.account_id]))[owner.account_id]
    assert movement.reference == doc["_id"]
