"""In-memory stand-ins for billing's ports (billing/ports.py): dicts, the same idempotency and
claim behaviour as the MongoDB stores, and the domain events they were handed to publish."""

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI

from billing.app import build
from billing.bootstrap import Billing, bootstrap
from billing.domain.accounts import Account, ClaimCheck, NumberHolding, Plan, Subscription
from billing.domain.bill import Charge
from billing.domain.invoice import Issuer
from billing.domain.issuer import issuer_from_config
from billing.domain.ledger import LedgerEntry
from billing.domain.ownership import LineHolding
from billing.domain.statement import Movement
from billing.settings import BillingSettings
from common.auth import TokenVerifier
from tests.support import access_key_for

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 10:00 in Ecuador


class FakeIssuer:
    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = dict(config) if config else None

    async def get(self) -> dict[str, Any] | None:
        return dict(self.config) if self.config else None

    async def put(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)

    async def issuer(self) -> Issuer | None:
        return issuer_from_config(self.config) if self.config else None


class FakePlans:
    def __init__(self, *plans: Plan) -> None:
        self.plans = {p.code: p for p in plans}

    async def all(self) -> dict[str, Plan]:
        return dict(sorted(self.plans.items()))

    async def get(self, code: str) -> Plan | None:
        return self.plans.get(code)

    async def put(self, plan: Plan) -> None:
        self.plans[plan.code] = plan


class FakeAccounts:
    """Accounts by id, keys to the account first created with them, the numbers' claims."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.keys: dict[str, str] = {}
        self.claims: dict[str, NumberHolding] = {}
        self.events: list[object] = []
        # Others keep claiming the number meanwhile: the store gives up (None).
        self.busy = False

    async def add(self, account: Account, idempotency_key: str | None = None) -> Account:
        if idempotency_key in self.keys:
            return self.accounts[self.keys[idempotency_key]]
        if idempotency_key is not None:
            self.keys[idempotency_key] = account.account_id
        self.accounts[account.account_id] = replace(account, events=())
        self.events += account.events
        return account

    async def plan_in_use(self, plan_code: str) -> bool:
        return any(
            s.plan_code == plan_code and s.end_date is None
            for account in self.accounts.values()
            for s in account.subscriptions
        )

    async def get(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    async def save_details(self, account: Account) -> bool:
        if account.account_id not in self.accounts:
            return False
        self.accounts[account.account_id] = account
        return True

    async def by_id_number(self, id_number: str) -> list[Account]:
        found = [a for a in self.accounts.values() if a.holder.id_number == id_number]
        return sorted(found, key=lambda a: a.account_id)

    async def with_number(self, number: str) -> list[Account]:
        ids = {h.account_id for h in self.claims.values() if h.subscription.number == number}
        return [self.accounts[i] for i in sorted(ids) if i in self.accounts]

    async def claim_number(
        self, account_id: str, subscription: Subscription, check: ClaimCheck
    ) -> str | Subscription | None:
        holdings = [h for h in self.claims.values() if h.subscription.number == subscription.number]
        replayed = check(holdings)
        if replayed is not None:
            return replayed
        if self.busy:
            return None
        claim_id = f"{subscription.number}#{len(self.claims) + 1:06d}"
        self.claims[claim_id] = NumberHolding(account_id, subscription)
        return claim_id

    async def release_claim(self, claim_id: str) -> None:
        del self.claims[claim_id]

    async def add_subscription(self, account: Account, subscription_id: str) -> bool:
        if account.account_id not in self.accounts:
            return False
        return self._save(account)

    async def save_end(
        self, account: Account, subscription_id: str, previous_end: date | None
    ) -> bool:
        stored = self.accounts[account.account_id].subscription(subscription_id)
        if stored.end_date != previous_end:
            return False
        # The claim holds the subscription's dates as the account has them now.
        for claim_id, holding in self.claims.items():
            if holding.subscription.subscription_id == subscription_id:
                self.claims[claim_id] = replace(
                    holding, subscription=account.subscription(subscription_id)
                )
        return self._save(account)

    def _save(self, account: Account) -> bool:
        self.events += account.events
        self.accounts[account.account_id] = replace(account, events=())
        return True

    async def billable(self, cycle_day: int, after_id: str | None, limit: int) -> list[Account]:
        ids = sorted(i for i, a in self.accounts.items() if a.cycle_day == cycle_day)
        return [self.accounts[i] for i in ids if after_id is None or i > after_id][:limit]

    async def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account]]:
        accounts = await self.billable(cycle_day, after_id, len(self.accounts))
        for start in range(0, len(accounts), chunk):
            yield accounts[start : start + chunk]


class FakeCharges:
    def __init__(self) -> None:
        self.charges: dict[tuple[str, str], Charge] = {}
        self.order: list[tuple[str, Charge]] = []

    async def add(self, account_id: str, charge: Charge, idempotency_key: str) -> Charge:
        first = self.charges.setdefault((account_id, idempotency_key), charge)
        if first is charge:
            self.order.append((account_id, charge))
        return first

    async def for_accounts(self, account_ids: list[str], period: str) -> dict[str, list[Charge]]:
        found: dict[str, list[Charge]] = {a: [] for a in account_ids}
        for account_id, charge in self.order:
            if account_id in found and charge.period == period:
                found[account_id].append(charge)
        return found


class FakeLedger:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], LedgerEntry] = {}
        self.events: list[object] = []

    async def add(self, entry: LedgerEntry) -> LedgerEntry:
        key = (entry.kind, entry.idempotency_key)
        if key in self.entries:
            return self.entries[key]
        self.entries[key] = replace(entry, events=())
        self.events += entry.events
        return entry

    async def movements(self, account_ids: list[str]) -> dict[str, list[Movement]]:
        found: dict[str, list[Movement]] = {a: [] for a in account_ids}
        ordered = sorted(self.entries.values(), key=lambda e: (e.on, e.entry_id))
        for entry in ordered:
            if entry.account_id in found:
                found[entry.account_id].append(entry.movement())
        return found


class FakeInvoices:
    """The invoice store's statement movements: none, or the ones a test sets."""

    def __init__(self) -> None:
        self.by_account: dict[str, list[Movement]] = {}

    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]:
        return {a: list(self.by_account.get(a, ())) for a in account_ids}


class FakeNotes(FakeInvoices):
    """The notes store as the invoice reads see it: no notas de crédito or débito."""

    async def of_invoice(self, invoice_id: str) -> list[object]:
        return []

    async def authorized_xml_of_key(self, access_key: str) -> bytes | None:
        return None


class FakeLineHolders:
    """Lines by id like ``line_holders``: a registration inserts if absent, a removal upserts."""

    def __init__(self, *holdings: LineHolding) -> None:
        self.lines: dict[str, LineHolding] = {h.line_id: h for h in holdings}

    async def register(self, holding: LineHolding) -> None:
        self.lines.setdefault(holding.line_id, holding)

    async def remove(self, holding: LineHolding) -> None:
        self.lines[holding.line_id] = replace(holding, removed=True)

    async def of_user(self, user_id: str) -> list[LineHolding]:
        return [h for h in self.lines.values() if h.user_id == user_id]


def fake_parts(**changes: Any) -> dict[str, Any]:
    """Every store a fake, a fixed clock, tokens checked against the tests' key."""
    return {
        "verifier": TokenVerifier(access_key_for),
        "issuer": FakeIssuer(),
        "plans": FakePlans(),
        "accounts": FakeAccounts(),
        "charges": FakeCharges(),
        "ledger": FakeLedger(),
        "invoices": FakeInvoices(),
        "notes": FakeNotes(),
        "line_holders": FakeLineHolders(),
        "clock": lambda: NOW,
    } | changes


def settings() -> BillingSettings:
    return BillingSettings(app_env="test", signing_processes=0)


def fake_billing(**changes: Any) -> Billing:
    return bootstrap(settings(), **fake_parts(**changes))


def fake_app(**changes: Any) -> FastAPI:
    """The app on fakes (its lifespan never entered: nothing connects)."""
    return build(settings(), **fake_parts(**changes))
