"""Accounts with their subscriptions embedded; ``number_claims`` keeps numbers unique (claims.py).

FerretDB 1.24 (local, CI; docs/design.md §5) shapes this store: no multi-document transactions, no
partial or sparse unique indexes, and a conditional update runs as a read and then a write, so two
concurrent compare-and-set updates can both "win". Every uniqueness rule here therefore rests on an
insert that a unique index (or ``_id``) refuses, never on a conditional update alone.
"""

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from billing.adapters.store.claims import NumberClaims
from billing.adapters.store.documents import (
    ACCOUNTS,
    account,
    account_document,
    claim_document,
    holder_document,
    iso,
    now,
    pushed,
    subscription_document,
)
from billing.domain.accounts import Account, ClaimCheck, Subscription
from billing.domain.bill_run import AccountFailure
from common.database import Database
from common.outbox import OUTBOX_FIELD

_NO_OUTBOX = {OUTBOX_FIELD: 0}


class AccountStore:
    def __init__(self, database: Database) -> None:
        self._accounts = database[ACCOUNTS]
        self._claims = NumberClaims(database, self._many)

    async def add(self, new: Account, idempotency_key: str | None = None) -> Account:
        """Insert; with a key already used, the account first created with it (the domain
        decides whether that was the same request)."""
        if new.subscriptions:
            raise ValueError("add subscriptions with add_subscription: they claim their numbers")
        try:
            await self._accounts.insert_one(account_document(new, idempotency_key, now()))
        except DuplicateKeyError:
            if idempotency_key is None:
                raise
            first = await self._accounts.find_one({"idempotency_key": idempotency_key})
            if first is None:
                raise
            return account(first)
        return new

    async def import_accounts(
        self, accounts: Iterable[Account], plan_names: Mapping[str, str] | None = None
    ) -> int:
        """Bulk load accounts with their subscriptions (a migration from another billing system).

        Two ordered inserts: first the number claims (one per subscription, each the number's
        first claim, so a number that is already claimed stops the import with a duplicate-key
        error), then the accounts with their SubscriptionActivated events in their outbox (the
        plan's name from ``plan_names``, by code, when given). A crash in between leaves claims
        without subscriptions, which stop blocking after CLAIM_GRACE.
        """
        claims: list[dict[str, Any]] = []
        docs: list[dict[str, Any]] = []
        at = now()
        for imported in (Account.migrated(a, plan_names) for a in accounts):
            docs.append(account_document(imported, None, at))
            claims.extend(
                claim_document(imported.account_id, s, 1, at) for s in imported.subscriptions
            )
        await self._claims.insert_first(claims)
        if docs:
            await self._accounts.insert_many(docs, ordered=True)
        return len(docs)

    async def get(self, account_id: str) -> Account | None:
        doc = await self._accounts.find_one({"_id": account_id}, _NO_OUTBOX)
        return account(doc) if doc else None

    async def by_id_number(self, id_number: str) -> list[Account]:
        cursor = self._accounts.find({"holder.id_number": id_number}, _NO_OUTBOX)
        return [account(doc) async for doc in cursor.sort("_id", 1)]

    async def with_number(self, number: str) -> list[Account]:
        """Accounts that have (or had) a subscription on ``number`` (E.164)."""
        return await self._many(await self._claims.account_ids(number))

    async def plan_in_use(self, plan_code: str) -> bool:
        """A scan of the subscriptions (a map per account, which no index reaches): only when
        an operator changes a plan's service type, a rare act."""
        async for doc in self._accounts.find({}, {"subscriptions": 1}):
            for sub in (doc.get("subscriptions") or {}).values():
                if sub.get("plan_code") == plan_code and sub.get("end_date") is None:
                    return True
        return False

    async def billable(self, cycle_day: int, after_id: str | None, limit: int) -> list[Account]:
        """One page of a cycle day's accounts, in ``_id`` order, after ``after_id``."""
        query: dict[str, Any] = {"cycle_day": cycle_day}
        if after_id is not None:
            query["_id"] = {"$gt": after_id}
        cursor = self._accounts.find(query, _NO_OUTBOX).sort("_id", 1).limit(limit)
        return [account(doc) async for doc in cursor]

    async def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account | AccountFailure]]:
        """A cycle day's accounts after ``after_id`` in ``_id`` order, ``chunk`` at a time.

        One query for the whole run: FerretDB can only push the equality on cycle_day down to
        SQL, so paging with ``_id > cursor`` would read every account of the cycle per page.
        A document that is no valid account any more (changed behind the API's back) comes as
        its failure: one bad account must not stop the run.
        """
        query: dict[str, Any] = {"cycle_day": cycle_day}
        cursor = self._accounts.find(query, _NO_OUTBOX).sort("_id", 1)
        page: list[Account | AccountFailure] = []
        async for doc in cursor:
            if after_id is not None and doc["_id"] <= after_id:
                continue
            try:
                page.append(account(doc))
            except Exception as error:
                page.append(AccountFailure.of(str(doc["_id"]), error))
            if len(page) == chunk:
                yield page
                page = []
        if page:
            yield page

    async def claim_number(
        self, account_id: str, subscription: Subscription, check: ClaimCheck
    ) -> str | Subscription | None:
        return await self._claims.claim(account_id, subscription, check)

    async def release_claim(self, claim_id: str) -> None:
        await self._claims.release(claim_id)

    async def save_details(self, changed: Account) -> bool:
        """Set the holder and the formaPago (the rest of the account is left as it is)."""
        result = await self._accounts.update_one(
            {"_id": changed.account_id},
            {
                "$set": {
                    "holder": holder_document(changed.holder),
                    "payment_method": changed.payment_method,
                }
            },
        )
        return bool(result.matched_count)

    async def add_subscription(self, changed: Account, subscription_id: str) -> bool:
        """Write the new subscription with the account's events (SubscriptionActivated).

        If this write fails the claim stays: it may have been applied after all, and an
        unwritten claim stops blocking the number after CLAIM_GRACE anyway. False when the
        account is gone.
        """
        field = f"subscriptions.{subscription_id}"
        document = subscription_document(changed.subscription(subscription_id))
        result = await self._accounts.update_one(
            {"_id": changed.account_id},
            {"$set": {field: document}, **pushed(changed.events)},
        )
        return bool(result.matched_count)

    async def save_end(
        self, changed: Account, subscription_id: str, previous_end: date | None
    ) -> bool:
        """Set the end date with the account's events (SubscriptionEnded), if nobody changed it
        since it was ``previous_end``."""
        field = f"subscriptions.{subscription_id}.end_date"
        end = changed.subscription(subscription_id).end_date
        result = await self._accounts.update_one(
            {"_id": changed.account_id, field: iso(previous_end)},
            {"$set": {field: iso(end)}, **pushed(changed.events)},
        )
        return bool(result.matched_count)

    async def _many(self, account_ids: Iterable[str]) -> list[Account]:
        ids = sorted(set(account_ids))
        if not ids:
            return []
        cursor = self._accounts.find({"_id": {"$in": ids}}, _NO_OUTBOX).sort("_id", 1)
        return [account(doc) async for doc in cursor]
