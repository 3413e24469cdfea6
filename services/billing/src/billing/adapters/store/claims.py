"""One number, one subscription at a time, across all accounts: ``number_claims``.

A unique index cannot say "at a time" (subscriptions have date ranges, and FerretDB has no
partial indexes), and check-then-write with a conditional update is not atomic on FerretDB. So
adding a subscription first inserts a claim ``{_id: "<number>#<seq>"}``: whoever read the same
claims inserts the same ``_id`` and only one insert succeeds; the loser reads again, now sees the
winner, and the domain answers 409 if the dates overlap. The account document stays the truth
for the dates (ending a subscription only touches the account, in the same update as its event).
"""

from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from billing.adapters.store.documents import NUMBER_CLAIMS, claim_document, now, subscription
from billing.domain.accounts import Account, ClaimCheck, NumberHolding, Subscription
from common.database import Database

# A number claim whose subscription is not in its account after this long was left by a process
# that died between the two writes: it no longer blocks the number.
CLAIM_GRACE = timedelta(minutes=1)
CLAIM_ATTEMPTS = 5

AccountsById = Callable[[Iterable[str]], Awaitable[list[Account]]]


class NumberClaims:
    def __init__(self, database: Database, accounts: AccountsById) -> None:
        self._claims = database[NUMBER_CLAIMS]
        self._accounts = accounts

    async def claim(
        self, account_id: str, sub: Subscription, check: ClaimCheck
    ) -> str | Subscription | None:
        """The new claim's id, the replayed subscription, or None after too many races."""
        for _ in range(CLAIM_ATTEMPTS):
            docs = [doc async for doc in self._claims.find({"number": sub.number})]
            replayed = check(await self._live(docs))
            if replayed is not None:
                return replayed
            # The next seq after every claim read (orphans included): whoever read the same
            # claims inserts the same _id, and the unique _id lets only one of them through.
            seq = max((doc["seq"] for doc in docs), default=0) + 1
            claim = claim_document(account_id, sub, seq, now())
            try:
                await self._claims.insert_one(claim)
            except DuplicateKeyError:
                continue  # another request claimed this number meanwhile: look again
            return str(claim["_id"])
        return None

    async def release(self, claim_id: str) -> None:
        await self._claims.delete_one({"_id": claim_id})

    async def account_ids(self, number: str) -> set[str]:
        return {c["account_id"] async for c in self._claims.find({"number": number})}

    async def insert_first(self, claims: list[dict[str, Any]]) -> None:
        """Each the number's first claim (an import): a claimed number is a duplicate key."""
        if claims:
            await self._claims.insert_many(claims, ordered=True)

    async def _live(self, claims: list[dict[str, Any]]) -> list[NumberHolding]:
        """The claimed subscriptions, dates from their accounts; recent unwritten ones too."""
        accounts = {a.account_id: a for a in await self._accounts(c["account_id"] for c in claims)}
        fresh_after = now() - CLAIM_GRACE
        live: list[NumberHolding] = []
        for doc in claims:
            account = accounts.get(doc["account_id"])
            stored = next(
                (
                    s
                    for s in (account.subscriptions if account else ())
                    if s.subscription_id == doc["subscription_id"]
                ),
                None,
            )
            if stored is None and doc["claimed_at"] < fresh_after:
                continue  # orphan: its writer died before adding the subscription
            sub = stored or subscription(doc["subscription_id"], doc["subscription"])
            live.append(NumberHolding(doc["account_id"], sub))
        return live
