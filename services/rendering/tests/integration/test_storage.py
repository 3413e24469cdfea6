"""rendering's adapters on the real FerretDB: the PDF in GridFS keyed by clave (never a second
one), and the ride record whose unique clave makes a replay find the first."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from common.database import Database
from rendering.adapters.gridfs_storage import GridFsRideStorage
from rendering.adapters.store import INDEXES, RideStore
from rendering.domain.rides import Ride, RideRequest
from tests.support import MONGODB

KEY = "0112202601179001167400120010010000001231234567811"
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    name = f"rendering_test_{uuid.uuid4().hex[:10]}"
    db = Database(MONGODB, name)
    await db.ensure_indexes(INDEXES)
    try:
        yield db
    finally:
        await db.client.drop_database(name)
        await db.close()


async def test_a_pdf_round_trips_and_is_never_replaced(database: Database) -> None:
    storage = GridFsRideStorage(database)
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 4000  # ~1 MiB: several GridFS chunks
    assert await storage.get(KEY) is None and not await storage.exists(KEY)
    await storage.put(KEY, "001-001-000000123", pdf)
    await storage.put(KEY, "001-001-000000999", b"%PDF second")
    stored = await storage.get(KEY)
    assert stored is not None
    assert stored.content == pdf and stored.number == "001-001-000000123"
    assert await database.db["ride_pdfs.files"].count_documents({}) == 1


async def test_a_ride_is_recorded_once_with_its_event(database: Database) -> None:
    store = RideStore(database)
    request = RideRequest("inv-1", "acc-1", KEY, "001-001-000000123", "2026-11", "0" * 64, 4)
    ride = Ride.rendered(request, b"%PDF", NOW)
    assert await store.add(ride) and ride.events == []
    assert not await store.add(Ride.rendered(request, b"%PDF", NOW))
    found = await store.by_key(KEY)
    assert found is not None and found.status == "rendered" and found.size == 4
    doc = await database.db["rides"].find_one({"_id": KEY})
    assert doc is not None
    (entry,) = doc["outbox"]
    assert entry["topic"] == "rendering.ride-rendered"


async def test_only_a_retryable_failure_is_replaced_and_its_outbox_kept(database: Database) -> None:
    store = RideStore(database)
    request = RideRequest("inv-1", "acc-1", KEY, "001-001-000000123", "2026-11", "0" * 64, 4)
    assert await store.add(Ride.failed(request, "BrokenProcessPool: died", NOW, retryable=True))
    again = Ride.failed(request, "TimeoutError: late", NOW, retryable=True)
    assert await store.replace_retryable(again) and again.events == []
    assert await store.replace_retryable(Ride.rendered(request, b"%PDF", NOW))
    assert not await store.replace_retryable(Ride.rendered(request, b"%PDF other", NOW))
    found = await store.by_key(KEY)
    assert found is not None and found.settled
    assert (found.status, found.size, found.error, found.retryable) == ("rendered", 4, None, False)
    doc = await database.db["rides"].find_one({"_id": KEY})
    assert doc is not None
    assert [(e["topic"], '"retryable":true' in e["payload"]) for e in doc["outbox"]] == [
        ("rendering.ride-failed", True),
        ("rendering.ride-failed", True),
        ("rendering.ride-rendered", False),
    ]

    refused = RideRequest("inv-2", "acc-1", "9" * 49, "001-001-000000124", "2026-11", "0" * 64, 4)
    assert await store.add(Ride.failed(refused, "no es una factura", NOW))
    assert not await store.replace_retryable(Ride.rendered(refused, b"%PDF", NOW))
