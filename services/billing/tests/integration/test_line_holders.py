"""Who holds which line on the real database (FerretDB): the line_holders projection under
replays and out-of-order events, a line's invoices by an equality query on the billed numbers,
and a customer reaching them through the app."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from billing.adapters.store import INDEXES
from billing.adapters.store.invoices import INVOICES, InvoiceStore
from billing.adapters.store.line_holders import LINE_HOLDERS, LineHolderStore
from billing.app import build
from billing.domain.ownership import LineHolding
from billing.domain.periods import BillingPeriod
from billing.settings import BillingSettings
from common.auth import TokenVerifier
from common.database import Database
from services.billing.tests.unit.invoice_fakes import account, record
from tests.support import KAFKA, MONGODB, access_key_for, access_token_for

NUMBER, OTHER = "+593991234567", "+593987654321"


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


def holding(line_id: str, user_id: str = "u-ana", removed: bool = False) -> LineHolding:
    return LineHolding(line_id, user_id, NUMBER, "acc-a", removed)


async def test_the_projection_keeps_a_removal_over_a_late_registration(
    database: Database,
) -> None:
    store = LineHolderStore(database)
    await store.register(holding("l1"))
    await store.register(holding("l1"))  # replayed
    assert await store.of_user("u-ana") == [holding("l1")]
    await store.remove(holding("l1"))
    await store.remove(holding("l1"))  # replayed
    await store.register(holding("l1"))  # redelivered late
    assert await store.of_user("u-ana") == [holding("l1", removed=True)]
    # Removed before it was registered: the tombstone stays.
    await store.remove(holding("l2", "u-luis"))
    await store.register(holding("l2", "u-luis"))
    assert await store.of_user("u-luis") == [holding("l2", "u-luis", removed=True)]
    assert await store.of_user("u-nobody") == []
    assert await database.db[LINE_HOLDERS].count_documents({}) == 2


async def test_indexes_for_the_equality_queries(database: Database) -> None:
    holders = [i["key"] async for i in await database.db[LINE_HOLDERS].list_indexes()]
    invoices = [i["key"] async for i in await database.db[INVOICES].list_indexes()]
    assert {"user_id": 1} in [dict(k) for k in holders]
    assert {"lines_numbers": 1} in [dict(k) for k in invoices]


def bill(sequential: int, account_id: str, period: str, *numbers: str) -> dict[str, Any]:
    subscriptions = tuple(account(account_id, n).subscriptions[0] for n in numbers)
    owner = account(account_id, subscriptions=subscriptions)
    return record(sequential, owner, period=BillingPeriod.of(period))


async def test_a_lines_invoices_by_the_billed_numbers(database: Database) -> None:
    store = InvoiceStore(database)
    docs = [
        bill(1, "acc-old", "2026-08", NUMBER),
        bill(2, "acc-a", "2026-10", OTHER, NUMBER),
        bill(3, "acc-a", "2026-09", NUMBER, OTHER),
        bill(4, "acc-c", "2026-10", OTHER),
    ]
    assert (await store.insert_batch(docs)).inserted == 4
    found = await store.with_number(NUMBER)
    assert [(i.invoice_id, i.period) for i in found] == [
        (docs[1]["_id"], "2026-10"),
        (docs[2]["_id"], "2026-09"),
        (docs[0]["_id"], "2026-08"),
    ]
    assert found[0].lines == (OTHER, NUMBER)
    assert await store.with_number("+593999999999") == []


@pytest.fixture
async def http() -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    name = f"billing_test_{uuid.uuid4().hex[:10]}"
    settings = BillingSettings(
        mongodb_url=MONGODB, mongodb_database=name, kafka_bootstrap_servers=KAFKA, app_env="test"
    )
    app = build(settings, verifier=TokenVerifier(access_key_for))
    database: Database = app.state.runtime.database
    await database.ensure_indexes(INDEXES)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
            yield client, database
    finally:
        await database.client.drop_database(name)
        await database.close()


def caller(roles: list[str]) -> tuple[str, dict[str, str]]:
    token = access_token_for(roles)
    user_id = str(jwt.decode(token, options={"verify_signature": False})["sub"])
    return user_id, {"Authorization": f"Bearer {token}"}


async def test_a_customer_reads_their_lines_invoices_only(
    http: tuple[httpx.AsyncClient, Database],
) -> None:
    client, database = http
    ana, ana_auth = caller(["customer"])
    _, luis_auth = caller(["customer"])
    old, current = bill(1, "acc-old", "2026-08", NUMBER), bill(2, "acc-a", "2026-10", NUMBER)
    await InvoiceStore(database).insert_batch([old, current])
    await LineHolderStore(database).register(LineHolding("l1", ana, NUMBER, "acc-a"))
    rows = await client.get("/v1/invoices", params={"line": "099 123 4567"}, headers=ana_auth)
    assert rows.status_code == 200, rows.text
    assert [r["invoice_id"] for r in rows.json()] == [current["_id"]]
    assert (await client.get(f"/v1/invoices/{current['_id']}", headers=ana_auth)).is_success
    hidden = await client.get(f"/v1/invoices/{old['_id']}", headers=ana_auth)
    unknown = await client.get("/v1/invoices/nope", headers=ana_auth)
    assert hidden.status_code == unknown.status_code == 404 and hidden.json() == unknown.json()
    other = await client.get(f"/v1/invoices/{current['_id']}", headers=luis_auth)
    assert other.status_code == 404
    _, operator = caller(["operator"])
    every = await client.get("/v1/invoices", params={"line": NUMBER}, headers=operator)
    assert [r["invoice_id"] for r in every.json()] == [current["_id"], old["_id"]]
