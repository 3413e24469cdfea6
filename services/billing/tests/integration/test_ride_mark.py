"""billing's note that an invoice's RIDE exists, on the real database (FerretDB): the first
RideRendered counts, a replay keeps its time, the invoice's version is left alone."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from billing.adapters.store import INDEXES
from billing.adapters.store.invoices import INVOICES, InvoiceStore
from common.database import Database
from services.billing.tests.unit.invoice_fakes import record
from tests.support import MONGODB

FIRST = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


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


async def test_the_first_ride_rendered_counts(database: Database) -> None:
    store = InvoiceStore(database)
    doc = record(7)
    await store.insert_batch([doc])
    assert await store.ride_rendered_at(doc["_id"]) is None
    await store.mark_ride_rendered(doc["_id"], FIRST)
    await store.mark_ride_rendered(doc["_id"], datetime(2026, 12, 2, tzinfo=UTC))
    assert await store.ride_rendered_at(doc["_id"]) == FIRST
    stored = await database.db[INVOICES].find_one({"_id": doc["_id"]})
    assert stored is not None and stored["version"] == doc["version"]
    assert await store.ride_rendered_at("nope") is None
