"""identity's adapters against the real FerretDB of the local stack, on a database of this run's
own (dropped afterwards). Nothing here starts the app: no Kafka topic gets test events."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from common.database import Database
from identity.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from identity.settings import IdentitySettings
from tests.support import KAFKA, MONGODB

DATABASE = f"identity_test_{uuid.uuid4().hex[:10]}"
TEST_ANSWER = "prueba-integracion"


Woken = list[tuple[str, Any]]


@pytest.fixture(scope="session")
def woken() -> Woken:
    """What the outbox collections told the relay: (collection, document id)."""
    return []


@pytest.fixture(scope="session")
async def database(woken: Woken) -> AsyncIterator[Database]:
    database = Database(MONGODB, DATABASE, max_pool_size=1)
    database.watch_outboxes(OUTBOX_COLLECTIONS, lambda name, doc_id: woken.append((name, doc_id)))
    await database.ensure_indexes(INDEXES)
    try:
        yield database
    finally:
        await database.client.drop_database(DATABASE)
        await database.close()


@pytest.fixture
def settings(database: Database) -> IdentitySettings:
    """The service's settings on the same test database."""
    return IdentitySettings(
        mongodb_url=MONGODB,
        mongodb_database=DATABASE,
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        captcha_test_answer=TEST_ANSWER,
        operator_email=f"operador.{uuid.uuid4().hex[:8]}@demo.ec",
        operator_password="Operador-Clave-2026",
    )
