"""The account stores against the real FerretDB: what the bill run reads, and the number claims
that keep a number on one subscription at a time (concurrent writers, dead writers, imports)."""

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi import FastAPI

from billing import use_cases
from billing.adapters.store.claims import CLAIM_GRACE
from billing.adapters.store.documents import ACCOUNTS, NUMBER_CLAIMS
from billing.domain.accounts import Account, Holder, NumberInUse, Subscription
from billing.domain.bill import Charge
from services.billing.tests.integration.admin.support import CEDULA


async def subscribe(app: FastAPI, account_id: str, sub: Subscription) -> Subscription:
    """Through the use case: the store claims the number, the account decides."""
    svc = app.state.service
    account = await svc.accounts.get(account_id)
    assert account is not None
    return await use_cases.subscriptions.subscribe(svc, account, sub)


async def test_billable_pages_by_cycle_day(app: FastAPI) -> None:
    accounts = app.state.service.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    for account_id, day in [("a3", 15), ("a1", 15), ("a2", 1), ("a4", 15)]:
        await accounts.add(Account(account_id, holder, day, "20"))
    first = await accounts.billable(15, None, 2)
    assert [a.account_id for a in first] == ["a1", "a3"]
    rest = await accounts.billable(15, first[-1].account_id, 2)
    assert [a.account_id for a in rest] == ["a4"]
    assert await accounts.billable(15, "a4", 2) == []


async def test_store_round_trips_charges_and_ledger(app: FastAPI) -> None:
    billing = app.state.service
    charge = Charge("c1", "Cambio de SIM", Decimal("5.00"), "0", "2025-11")
    assert await billing.charges.add("a1", charge, "k") == charge
    assert await billing.ledger.movements(["a1"]) == {"a1": []}


async def test_concurrent_claims_on_one_number_let_one_through(app: FastAPI) -> None:
    accounts = app.state.service.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    ids = [f"c{n}" for n in range(4)]
    for account_id in ids:
        await accounts.add(Account(account_id, holder, 1, "20"))

    async def claim(account_id: str) -> str:
        sub = Subscription(f"s-{account_id}", "0991112233", "movil", "M-30", date(2026, 1, 1))
        try:
            await subscribe(app, account_id, sub)
        except NumberInUse:
            return "409"
        return "201"

    results = await asyncio.gather(*(claim(account_id) for account_id in ids))
    assert sorted(results) == ["201", "409", "409", "409"]


async def test_a_claim_left_by_a_dead_writer_stops_blocking(app: FastAPI) -> None:
    accounts = app.state.service.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    await accounts.add(Account("a1", holder, 1, "20"))
    orphan = {
        "_id": "+593991112233#000001",
        "number": "+593991112233",
        "seq": 1,
        "account_id": "a0",
        "subscription_id": "s0",
        "subscription": {
            "number": "+593991112233",
            "service_type": "movil",
            "plan_code": "M-30",
            "start_date": "2026-01-01",
            "end_date": None,
            "monthly_discount": "0.00",
        },
        "claimed_at": datetime.now(UTC),
    }
    claims = app.state.runtime.database[NUMBER_CLAIMS]
    await claims.insert_one(orphan)
    sub = Subscription("s1", "0991112233", "movil", "M-30", date(2026, 2, 1))
    with pytest.raises(NumberInUse):  # a fresh claim may still be on its way to its account
        await subscribe(app, "a1", sub)
    await claims.update_one(
        {"_id": orphan["_id"]}, {"$set": {"claimed_at": datetime.now(UTC) - CLAIM_GRACE * 2}}
    )
    assert await subscribe(app, "a1", sub) == sub
    [account] = await accounts.with_number("+593991112233")
    assert account.account_id == "a1"


async def test_stream_billable_resumes_after_the_cursor(app: FastAPI) -> None:
    accounts = app.state.service.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    for account_id, day in [("b3", 7), ("b1", 7), ("b2", 1), ("b4", 7), ("b5", 7)]:
        await accounts.add(Account(account_id, holder, day, "20"))
    pages = [[a.account_id for a in page] async for page in accounts.stream_billable(7, None, 2)]
    assert pages == [["b1", "b3"], ["b4", "b5"]]
    rest = [[a.account_id for a in page] async for page in accounts.stream_billable(7, "b3", 2)]
    assert rest == [["b4", "b5"]]


async def test_import_accounts_claims_numbers_and_carries_events(app: FastAPI) -> None:
    store = app.state.service.accounts
    holder = Holder("cedula", CEDULA, "Ana", "Quito", "ana@correo.ec", "")
    imported = [
        Account(
            f"imp{n}",
            holder,
            1,
            "20",
            (Subscription(f"s{n}", f"099000000{n}", "movil", "MOVIL-1", date(2026, 1, 1)),),
        )
        for n in range(3)
    ]
    assert await store.import_accounts(imported) == 3
    assert (await store.get("imp1")).subscriptions[0].number == "+593990000001"
    database = app.state.runtime.database
    doc = await database[ACCOUNTS].find_one({"_id": "imp2"})
    assert [e["topic"] for e in doc["outbox"]] == ["billing.subscription-activated"]
    with pytest.raises(NumberInUse):
        await store.add(Account("other", holder, 1, "20"))
        await subscribe(
            app, "other", Subscription("s9", "0990000001", "movil", "MOVIL-1", date(2026, 2, 1))
        )
