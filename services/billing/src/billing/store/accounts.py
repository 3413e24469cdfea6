"""billing's operator data (MongoDB API): the issuer, the plan catalog, accounts with their
subscriptions, one-off charges and the ledger of payments and adjustments.

FerretDB 1.24 (local and CI) shapes this module (DESIGN §5): no multi-document transactions, no
partial or sparse unique indexes, and a conditional update runs as a read and then a write, so two
concurrent compare-and-set updates can both "win". Every uniqueness rule here therefore rests on an
insert that a unique index (or ``_id``) refuses, never on a conditional update alone.

Money is stored as decimal strings ("12.50"), dates as ISO strings ("2026-11-01", which sort as
dates), instants as BSON datetimes. Subscriptions are embedded in their account as a map keyed by
subscription id, so ending one is a plain ``$set`` on a dotted path (FerretDB has no positional
``$`` or ``arrayFilters`` for updating an array element); ids are hex, so keys never hold ``.``
or ``$``.
"""

import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pymongo.errors import DuplicateKeyError

from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import Charge
from billing.domain.invoice import ExtraTax, Issuer
from billing.domain.statement import Movement
from common.contracts.billing import (
    PaymentData,
    PaymentRecorded,
    SubscriberData,
    SubscriptionActivated,
    SubscriptionEnded,
)
from common.database import Database, Index
from common.outbox import OUTBOX_FIELD, outbox_push

ISSUER, PLANS, ACCOUNTS, NUMBER_CLAIMS, CHARGES, LEDGER = (
    "issuer",
    "plans",
    "accounts",
    "number_claims",
    "charges",
    "ledger",
)
ISSUER_ID = "issuer"

ACCOUNT_INDEXES = [
    # Bill runs page through one cycle day's accounts in _id order.
    Index(ACCOUNTS, [("cycle_day", 1), ("_id", 1)]),
    Index(ACCOUNTS, [("holder.id_number", 1)]),
    # Accounts created without a key get "none:<account_id>" (no sparse unique index in FerretDB).
    Index(ACCOUNTS, [("idempotency_key", 1)], unique=True),
    Index(NUMBER_CLAIMS, [("number", 1)]),
    Index(CHARGES, [("account_id", 1), ("idempotency_key", 1)], unique=True),
    Index(CHARGES, [("account_id", 1), ("period", 1)]),
    Index(LEDGER, [("kind", 1), ("idempotency_key", 1)], unique=True),
    Index(LEDGER, [("account_id", 1)]),
]
# Accounts carry SubscriptionActivated/Ended, payment entries PaymentRecorded.
ACCOUNT_OUTBOX_COLLECTIONS = [ACCOUNTS, LEDGER]

# A number claim whose subscription is not in its account after this long was left by a process
# that died between the two writes: it no longer blocks the number.
CLAIM_GRACE = timedelta(minutes=1)
_CLAIM_ATTEMPTS = 5


# --- errors the API turns into 404/409 ------------------------------------------------------------


class UnknownAccount(LookupError):
    pass


class UnknownSubscription(LookupError):
    pass


class Conflict(Exception):
    """The request contradicts what is stored (409)."""


class IdempotencyConflict(Conflict):
    """The idempotency key was already used with a different request."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class NumberInUse(Conflict):
    """The number has another subscription whose dates overlap the new one."""

    def __init__(self, number: str, account_id: str, subscription_id: str) -> None:
        super().__init__(number)
        self.number, self.account_id, self.subscription_id = number, account_id, subscription_id


class AlreadyEnded(Conflict):
    """Ending can only bring a subscription's end date forward, never push it back."""

    def __init__(self, end_date: date) -> None:
        super().__init__(end_date.isoformat())
        self.end_date = end_date


class ConcurrentUpdate(Conflict):
    """Someone else changed the same subscription meanwhile; the caller may try again."""


# --- helpers --------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _request_hash(fields: Mapping[str, Any]) -> str:
    """What an idempotent request asked for: a replay must ask for exactly the same."""
    canonical = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- issuer ---------------------------------------------------------------------------------------


def issuer_from_config(config: Mapping[str, Any]) -> Issuer:
    """The domain Issuer for the configured billing point (raises ValueError when invalid)."""
    point = config["billing_point"]
    establishment = next(
        (e for e in config["establishments"] if e["code"] == point["establishment"]), None
    )
    if establishment is None or point["emission_point"] not in establishment["emission_points"]:
        raise ValueError("billing_point is not one of the configured emission points")
    return Issuer(
        ruc=config["ruc"],
        razon_social=config["razon_social"],
        nombre_comercial=config.get("nombre_comercial"),
        dir_matriz=config["dir_matriz"],
        obligado_contabilidad=config["obligado_contabilidad"],
        environment=2 if config["ambiente"] == "produccion" else 1,
        establishment=point["establishment"],
        emission_point=point["emission_point"],
        dir_establecimiento=establishment["address"],
        contribuyente_especial=config.get("contribuyente_especial"),
    )


class IssuerStore:
    """The emisor's configuration: one document, replaced as a whole."""

    def __init__(self, database: Database) -> None:
        self._issuer = database[ISSUER]

    async def get(self) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._issuer.find_one(
            {"_id": ISSUER_ID}, {"_id": 0, "updated_at": 0}
        )
        return doc

    async def put(self, config: Mapping[str, Any]) -> None:
        doc = {**config, "_id": ISSUER_ID, "updated_at": _now()}
        await self._issuer.replace_one({"_id": ISSUER_ID}, doc, upsert=True)

    async def issuer(self) -> Issuer | None:
        config = await self.get()
        return None if config is None else issuer_from_config(config)


# --- plans ----------------------------------------------------------------------------------------


def _plan_document(plan: Plan) -> dict[str, Any]:
    return {
        "_id": plan.code,
        "name": plan.name,
        "service_type": plan.service_type,
        "monthly_fee": str(plan.monthly_fee),
        "tax_code": plan.tax_code,
        # Documents, not (code, rate_code, rate) lists: FerretDB refuses nested arrays.
        "extra_taxes": [
            {"tax_code": t.tax_code, "rate_code": t.rate_code, "rate": str(t.rate)}
            for t in plan.extra_taxes
        ],
    }


def _plan(doc: Mapping[str, Any]) -> Plan:
    return Plan(
        code=doc["_id"],
        name=doc["name"],
        service_type=doc["service_type"],
        monthly_fee=Decimal(doc["monthly_fee"]),
        tax_code=doc["tax_code"],
        extra_taxes=tuple(
            ExtraTax(t["tax_code"], t["rate_code"], Decimal(t["rate"]))
            for t in doc.get("extra_taxes", ())
        ),
    )


class PlanStore:
    def __init__(self, database: Database) -> None:
        self._plans = database[PLANS]

    async def all(self) -> dict[str, Plan]:
        return {doc["_id"]: _plan(doc) async for doc in self._plans.find({}).sort("_id", 1)}

    async def get(self, code: str) -> Plan | None:
        doc = await self._plans.find_one({"_id": code})
        return _plan(doc) if doc else None

    async def put(self, plan: Plan) -> None:
        """Create or replace by code; bill runs read the catalog as it is when they run."""
        doc = _plan_document(plan) | {"updated_at": _now()}
        await self._plans.replace_one({"_id": plan.code}, doc, upsert=True)


# --- accounts and subscriptions -------------------------------------------------------------------


def _subscription_document(sub: Subscription) -> dict[str, Any]:
    return {
        "number": sub.number,
        "service_type": sub.service_type,
        "plan_code": sub.plan_code,
        "start_date": _iso(sub.start_date),
        "end_date": _iso(sub.end_date),
        "monthly_discount": str(sub.monthly_discount),
    }


def _subscription(subscription_id: str, doc: Mapping[str, Any]) -> Subscription:
    start = _day(doc["start_date"])
    assert start is not None
    return Subscription(
        subscription_id=subscription_id,
        number=doc["number"],
        service_type=doc["service_type"],
        plan_code=doc["plan_code"],
        start_date=start,
        end_date=_day(doc.get("end_date")),
        monthly_discount=Decimal(doc.get("monthly_discount", "0.00")),
    )


def _holder_document(holder: Holder) -> dict[str, Any]:
    return {
        "id_type": holder.id_type,
        "id_number": holder.id_number,
        "name": holder.name,
        "address": holder.address,
        "email": holder.email,
        "phone": holder.phone,
    }


def _account(doc: Mapping[str, Any]) -> Account:
    subscriptions = sorted(
        (_subscription(sid, sub) for sid, sub in doc.get("subscriptions", {}).items()),
        key=lambda s: (s.start_date, s.subscription_id),
    )
    return Account(
        account_id=doc["_id"],
        holder=Holder(**doc["holder"]),
        cycle_day=doc["cycle_day"],
        payment_method=doc["payment_method"],
        subscriptions=tuple(subscriptions),
    )


def _account_request(account: Account) -> dict[str, Any]:
    return {
        "holder": _holder_document(account.holder),
        "cycle_day": account.cycle_day,
        "payment_method": account.payment_method,
    }


def subscriber_data(account: Account, sub: Subscription) -> SubscriberData:
    return SubscriberData(
        subscription_id=sub.subscription_id,
        account_id=account.account_id,
        number=sub.number,
        service_type=sub.service_type,
        plan_code=sub.plan_code,
        holder_id_type=account.holder.id_type,
        holder_id_number=account.holder.id_number,
        start_date=sub.start_date,
        end_date=sub.end_date,
    )


def _overlap(a: Subscription, b: Subscription) -> bool:
    return a.active_between(b.start_date, b.end_date or date.max)


def _same_request(a: Subscription, b: Subscription) -> bool:
    """A replay of the same POST: everything but the (new) id is equal."""
    return _subscription_document(a) == _subscription_document(b)


@dataclass(frozen=True)
class _Claim:
    """A subscription holding a number (or about to: its account is not written yet)."""

    claim_id: str
    account_id: str
    subscription: Subscription


class AccountStore:
    """Accounts with their subscriptions embedded; ``number_claims`` keeps numbers unique.

    A number may be on one subscription at a time across all accounts. A unique index cannot say
    "at a time" (subscriptions have date ranges, and FerretDB has no partial indexes), and
    check-then-write with a conditional update is not atomic on FerretDB. So adding a subscription
    first inserts a claim ``{_id: "<number>#<seq>"}``: whoever read the same claims inserts the
    same ``_id`` and only one insert succeeds; the loser reads again, now sees the winner, and
    answers 409 if the dates overlap. The account document stays the truth for the dates (ending
    a subscription only touches the account, in the same update as its event).
    """

    def __init__(self, database: Database) -> None:
        self._accounts = database[ACCOUNTS]
        self._claims = database[NUMBER_CLAIMS]

    async def add(self, account: Account, idempotency_key: str | None = None) -> Account:
        """Insert; a replay with the same key returns the first account (same request only)."""
        if account.subscriptions:
            raise ValueError("add subscriptions with add_subscription: they claim their numbers")
        request = _account_request(account)
        doc = {
            "_id": account.account_id,
            **request,
            "subscriptions": {},
            "idempotency_key": idempotency_key or f"none:{account.account_id}",
            "request_hash": _request_hash(request),
            "created_at": _now(),
            OUTBOX_FIELD: [],
        }
        try:
            await self._accounts.insert_one(doc)
        except DuplicateKeyError:
            if idempotency_key is None:
                raise
            first = await self._accounts.find_one({"idempotency_key": idempotency_key})
            if first is None:
                raise
            if first["request_hash"] != doc["request_hash"]:
                raise IdempotencyConflict(idempotency_key) from None
            return _account(first)
        return account

    async def import_accounts(self, accounts: Iterable[Account]) -> int:
        """Bulk load accounts with their subscriptions (a migration from another billing system).

        Two ordered inserts: first the number claims (one per subscription, each the number's
        first claim, so a number that is already claimed stops the import with a duplicate-key
        error), then the accounts with their SubscriptionActivated events in their outbox. A
        crash in between leaves claims without subscriptions, which stop blocking after
        CLAIM_GRACE.
        """
        claims: list[dict[str, Any]] = []
        docs: list[dict[str, Any]] = []
        now = _now()
        for account in accounts:
            request = _account_request(account)
            docs.append(
                {
                    "_id": account.account_id,
                    **request,
                    "subscriptions": {
                        s.subscription_id: _subscription_document(s) for s in account.subscriptions
                    },
                    "idempotency_key": f"none:{account.account_id}",
                    "request_hash": _request_hash(request),
                    "created_at": now,
                    OUTBOX_FIELD: [
                        SubscriptionActivated(data=subscriber_data(account, s)).to_document()
                        for s in account.subscriptions
                    ],
                }
            )
            claims.extend(
                {
                    "_id": f"{s.number}#{1:06d}",
                    "number": s.number,
                    "seq": 1,
                    "account_id": account.account_id,
                    "subscription_id": s.subscription_id,
                    "subscription": _subscription_document(s),
                    "claimed_at": now,
                }
                for s in account.subscriptions
            )
        if claims:
            await self._claims.insert_many(claims, ordered=True)
        if docs:
            await self._accounts.insert_many(docs, ordered=True)
        return len(docs)

    async def get(self, account_id: str) -> Account | None:
        doc = await self._accounts.find_one({"_id": account_id}, {OUTBOX_FIELD: 0})
        return _account(doc) if doc else None

    async def by_id_number(self, id_number: str) -> list[Account]:
        cursor = self._accounts.find({"holder.id_number": id_number}, {OUTBOX_FIELD: 0})
        return [_account(doc) async for doc in cursor.sort("_id", 1)]

    async def with_number(self, number: str) -> list[Account]:
        """Accounts that have (or had) a subscription on ``number`` (E.164)."""
        ids = {c["account_id"] async for c in self._claims.find({"number": number})}
        return await self._many(ids)

    async def billable(self, cycle_day: int, after_id: str | None, limit: int) -> list[Account]:
        """One page of a cycle day's accounts, in ``_id`` order, after ``after_id``."""
        query: dict[str, Any] = {"cycle_day": cycle_day}
        if after_id is not None:
            query["_id"] = {"$gt": after_id}
        cursor = self._accounts.find(query, {OUTBOX_FIELD: 0}).sort("_id", 1).limit(limit)
        return [_account(doc) async for doc in cursor]

    async def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account]]:
        """A cycle day's accounts after ``after_id`` in ``_id`` order, ``chunk`` at a time.

        One query for the whole run: FerretDB can only push the equality on cycle_day down to
        SQL, so paging with ``_id > cursor`` would read every account of the cycle per page.
        """
        query: dict[str, Any] = {"cycle_day": cycle_day}
        cursor = self._accounts.find(query, {OUTBOX_FIELD: 0}).sort("_id", 1)
        page: list[Account] = []
        async for doc in cursor:
            if after_id is not None and doc["_id"] <= after_id:
                continue
            page.append(_account(doc))
            if len(page) == chunk:
                yield page
                page = []
        if page:
            yield page

    async def add_subscription(
        self, account_id: str, subscription: Subscription
    ) -> tuple[Subscription, bool]:
        """Claim the number, then add the subscription with its SubscriptionActivated.

        Returns the subscription and whether it is new: repeating the same request for the same
        account returns the first subscription (no second event).
        """
        account = await self.get(account_id)
        if account is None:
            raise UnknownAccount(account_id)
        claimed = await self._claim(account_id, subscription)
        if isinstance(claimed, Subscription):
            return claimed, False
        event = SubscriptionActivated(data=subscriber_data(account, subscription))
        field = f"subscriptions.{subscription.subscription_id}"
        # If this write fails the claim stays: it may have been applied after all, and an
        # unwritten claim stops blocking the number after CLAIM_GRACE anyway.
        result = await self._accounts.update_one(
            {"_id": account_id},
            {"$set": {field: _subscription_document(subscription)}, **outbox_push(event)},
        )
        if result.matched_count == 0:  # the account is gone: nothing holds the number
            await self._claims.delete_one({"_id": claimed})
            raise UnknownAccount(account_id)
        return subscription, True

    async def end_subscription(
        self, account_id: str, subscription_id: str, end_date: date
    ) -> tuple[Subscription, bool]:
        """Set the end date with SubscriptionEnded; the same end date again changes nothing."""
        account = await self.get(account_id)
        if account is None:
            raise UnknownAccount(account_id)
        current = next(
            (s for s in account.subscriptions if s.subscription_id == subscription_id), None
        )
        if current is None:
            raise UnknownSubscription(subscription_id)
        if current.end_date == end_date:
            return current, False
        if current.end_date is not None and end_date > current.end_date:
            # Pushing the end back could overlap a later subscription of the number.
            raise AlreadyEnded(current.end_date)
        ended = current.ended(end_date)
        event = SubscriptionEnded(data=subscriber_data(account, ended))
        field = f"subscriptions.{subscription_id}.end_date"
        result = await self._accounts.update_one(
            {"_id": account_id, field: _iso(current.end_date)},
            {"$set": {field: _iso(end_date)}, **outbox_push(event)},
        )
        if result.matched_count == 0:
            raise ConcurrentUpdate(subscription_id)
        return ended, True

    async def _claim(self, account_id: str, sub: Subscription) -> str | Subscription:
        """The new claim's id, or the existing subscription when this is a replay."""
        for _ in range(_CLAIM_ATTEMPTS):
            docs = [doc async for doc in self._claims.find({"number": sub.number})]
            for claim in await self._live(docs):
                if claim.account_id == account_id and _same_request(claim.subscription, sub):
                    return claim.subscription
                if _overlap(claim.subscription, sub):
                    raise NumberInUse(
                        sub.number, claim.account_id, claim.subscription.subscription_id
                    )
            # The next seq after every claim read (orphans included): whoever read the same
            # claims inserts the same _id, and the unique _id lets only one of them through.
            seq = max((doc["seq"] for doc in docs), default=0) + 1
            claim_id = f"{sub.number}#{seq:06d}"
            try:
                await self._claims.insert_one(
                    {
                        "_id": claim_id,
                        "number": sub.number,
                        "seq": seq,
                        "account_id": account_id,
                        "subscription_id": sub.subscription_id,
                        "subscription": _subscription_document(sub),
                        "claimed_at": _now(),
                    }
                )
            except DuplicateKeyError:
                continue  # another request claimed this number meanwhile: look again
            return claim_id
        raise ConcurrentUpdate(sub.number)

    async def _live(self, claims: list[dict[str, Any]]) -> list[_Claim]:
        """The claimed subscriptions, dates from their accounts; recent unwritten ones too."""
        accounts = {a.account_id: a for a in await self._many(c["account_id"] for c in claims)}
        fresh_after = _now() - CLAIM_GRACE
        live: list[_Claim] = []
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
            sub = stored or _subscription(doc["subscription_id"], doc["subscription"])
            live.append(_Claim(doc["_id"], doc["account_id"], sub))
        return live

    async def _many(self, account_ids: Iterable[str]) -> list[Account]:
        ids = sorted(set(account_ids))
        if not ids:
            return []
        cursor = self._accounts.find({"_id": {"$in": ids}}, {OUTBOX_FIELD: 0}).sort("_id", 1)
        return [_account(doc) async for doc in cursor]


# --- one-off charges ------------------------------------------------------------------------------


def _charge(doc: Mapping[str, Any]) -> Charge:
    return Charge(
        charge_id=doc["_id"],
        description=doc["description"],
        amount=Decimal(doc["amount"]),
        tax_code=doc["tax_code"],
        period=doc["period"],
    )


class ChargeStore:
    def __init__(self, database: Database) -> None:
        self._charges = database[CHARGES]

    async def add(
        self, account_id: str, charge: Charge, idempotency_key: str
    ) -> tuple[Charge, bool]:
        """Insert once per (account, key): the replay gets the first charge and False."""
        request = {
            "account_id": account_id,
            "description": charge.description,
            "amount": str(charge.amount),
            "tax_code": charge.tax_code,
            "period": charge.period,
        }
        doc = {
            "_id": charge.charge_id,
            **request,
            "idempotency_key": idempotency_key,
            "request_hash": _request_hash(request),
            "created_at": _now(),
        }
        try:
            await self._charges.insert_one(doc)
        except DuplicateKeyError:
            first = await self._charges.find_one(
                {"account_id": account_id, "idempotency_key": idempotency_key}
            )
            if first is None:
                raise
            if first["request_hash"] != doc["request_hash"]:
                raise IdempotencyConflict(idempotency_key) from None
            return _charge(first), False
        return charge, True

    async def for_accounts(self, account_ids: list[str], period: str) -> dict[str, list[Charge]]:
        """The charges of ``period`` per account (every id present, maybe with no charges)."""
        found: dict[str, list[Charge]] = {account_id: [] for account_id in account_ids}
        cursor = self._charges.find({"account_id": {"$in": account_ids}, "period": period})
        async for doc in cursor.sort([("created_at", 1), ("_id", 1)]):
            found[doc["account_id"]].append(_charge(doc))
        return found


# --- payments and adjustments ---------------------------------------------------------------------

LedgerKind = Literal["payment", "adjustment"]


@dataclass(frozen=True)
class LedgerEntry:
    """A payment (amount received, positive) or an adjustment (signed: + raises the debt)."""

    entry_id: str
    account_id: str
    kind: LedgerKind
    amount: Decimal
    on: date  # the day it counts in the statement
    description: str
    idempotency_key: str
    paid_at: datetime | None = None  # payments only
    channel: str | None = None  # payments only

    def movement(self) -> Movement:
        amount = -self.amount if self.kind == "payment" else self.amount
        return Movement(self.on, self.kind, self.description, amount, self.entry_id)

    def events(self) -> list[PaymentRecorded]:
        if self.kind != "payment":
            return []
        assert self.paid_at is not None and self.channel is not None
        data = PaymentData(
            payment_id=self.entry_id,
            account_id=self.account_id,
            amount=str(self.amount),
            paid_at=self.paid_at,
            channel=self.channel,
        )
        return [PaymentRecorded(data=data)]


def _ledger_request(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "account_id": entry.account_id,
        "kind": entry.kind,
        "amount": str(entry.amount),
        "on": _iso(entry.on),
        "description": entry.description,
        "paid_at": entry.paid_at.astimezone(UTC).isoformat() if entry.paid_at else None,
        "channel": entry.channel,
    }


def _ledger_entry(doc: Mapping[str, Any]) -> LedgerEntry:
    on = _day(doc["on"])
    assert on is not None
    return LedgerEntry(
        entry_id=doc["_id"],
        account_id=doc["account_id"],
        kind=doc["kind"],
        amount=Decimal(doc["amount"]),
        on=on,
        description=doc["description"],
        idempotency_key=doc["idempotency_key"],
        paid_at=doc.get("paid_at"),
        channel=doc.get("channel"),
    )


class LedgerStore:
    """Payments and adjustments; a payment document carries its PaymentRecorded (outbox)."""

    def __init__(self, database: Database) -> None:
        self._ledger = database[LEDGER]

    async def add(self, entry: LedgerEntry) -> tuple[LedgerEntry, bool]:
        """Insert once per (kind, key): a replay gets the first entry and False (no new event)."""
        request = _ledger_request(entry)
        doc = {
            **request,
            "_id": entry.entry_id,
            "paid_at": entry.paid_at,
            "idempotency_key": entry.idempotency_key,
            "request_hash": _request_hash(request),
            "created_at": _now(),
            OUTBOX_FIELD: [e.to_document() for e in entry.events()],
        }
        try:
            await self._ledger.insert_one(doc)
        except DuplicateKeyError:
            first = await self._ledger.find_one(
                {"kind": entry.kind, "idempotency_key": entry.idempotency_key}
            )
            if first is None:
                raise
            if first["request_hash"] != doc["request_hash"]:
                raise IdempotencyConflict(entry.idempotency_key) from None
            return _ledger_entry(first), False
        return entry, True

    async def movements(self, account_ids: list[str]) -> dict[str, list[Movement]]:
        """Every payment (negative) and adjustment (±) per account, oldest first."""
        found: dict[str, list[Movement]] = {account_id: [] for account_id in account_ids}
        cursor = self._ledger.find({"account_id": {"$in": account_ids}}, {OUTBOX_FIELD: 0})
        async for doc in cursor.sort([("on", 1), ("_id", 1)]):
            found[doc["account_id"]].append(_ledger_entry(doc).movement())
        return found
