"""lines' tests against the real FerretDB and Kafka of the local stack, each on databases of
its own (dropped afterwards)."""

import random
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import phonenumbers
import pytest

from common.database import Database
from lines.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from lines.settings import LinesSettings
from tests.support import KAFKA, MONGODB

Woken = list[tuple[str, Any]]


def unique_number(kind: str = "mobile") -> str:
    """A valid Ecuadorian number (E.164) no other test uses: mobile 09…, or fixed 02…–07…."""
    wanted = phonenumbers.PhoneNumberType.MOBILE if kind == "mobile" else None
    while True:
        national = (
            f"09{random.randint(0, 99_999_999):08d}"
            if kind == "mobile"
            else f"0{random.randint(2, 7)}{random.randint(2_000_000, 7_999_999)}"
        )
        parsed = phonenumbers.parse(national, "EC")
        kind_ok = (
            phonenumbers.number_type(parsed) == wanted
            if wanted
            else phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE
        )
        if phonenumbers.is_valid_number(parsed) and kind_ok:
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@pytest.fixture
async def make_settings() -> AsyncIterator[Callable[..., LinesSettings]]:
    """Settings on a database of their own (dropped afterwards)."""
    names: list[str] = []

    def make(**overrides: Any) -> LinesSettings:
        name = f"lines_test_{uuid.uuid4().hex[:10]}"
        names.append(name)
        values: dict[str, Any] = {
            "mongodb_url": MONGODB,
            "mongodb_database": name,
            "kafka_bootstrap_servers": KAFKA,
            "app_env": "test",
            "consumer_backoff_seconds": 0.05,
            "outbox_sweep_seconds": 0.5,
        }
        return LinesSettings(**(values | overrides))

    yield make
    database = Database(MONGODB, "admin")
    try:
        for name in names:
            await database.client.drop_database(name)
    finally:
        await database.close()


@pytest.fixture
async def database(make_settings: Callable[..., LinesSettings]) -> AsyncIterator[Database]:
    """A fresh database with lines' indexes; the outbox writes it wakes are in ``woken``."""
    settings = make_settings()
    database = Database(MONGODB, settings.database_name, max_pool_size=1)
    await database.ensure_indexes(INDEXES)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def woken(database: Database) -> Woken:
    found: Woken = []
    database.watch_outboxes(OUTBOX_COLLECTIONS, lambda name, doc_id: found.append((name, doc_id)))
    return found
