"""The billing app on a database of its own in the real FerretDB (built, not started: no Kafka),
and an operator's HTTP client for it."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from billing.adapters.store import INDEXES
from billing.app import build
from billing.settings import BillingSettings
from common.auth import TokenVerifier
from services.billing.tests.integration.admin.support import OPERATOR
from tests.support import KAFKA, MONGODB, access_key_for


@pytest.fixture
async def app() -> AsyncIterator[FastAPI]:
    name = f"billing_test_{uuid.uuid4().hex[:10]}"
    settings = BillingSettings(
        mongodb_url=MONGODB, mongodb_database=name, kafka_bootstrap_servers=KAFKA, app_env="test"
    )
    app = build(settings, verifier=TokenVerifier(access_key_for))
    await app.state.runtime.database.ensure_indexes(INDEXES)
    try:
        yield app
    finally:
        database = app.state.runtime.database
        await database.client.drop_database(name)
        await database.close()


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://billing", headers=OPERATOR
    ) as client:
        yield client
