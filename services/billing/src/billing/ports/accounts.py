"""What billing's use cases (and its bill-run loop) need from the outside, as Protocols: the
stores in ``adapters/store`` implement them, the fakes in ``tests/unit/fakes.py`` too."""

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from billing.domain.accounts import Account, ClaimCheck, Plan, Subscription
from billing.domain.bill import Charge
from billing.domain.bill_run import AccountFailure
from billing.domain.invoice import Issuer
from billing.domain.ledger import LedgerEntry
from billing.domain.statement import Movement
from billing.ports.ownership import LineHolderRepository


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Loop(Protocol):
    """Background work that runs for the app's lifetime (the bill runs, the SRI submitter)."""

    async def run(self) -> None: ...


class IssuerRepository(Protocol):
    async def get(self) -> dict[str, Any] | None: ...
    async def put(self, config: Mapping[str, Any]) -> None: ...
    async def issuer(self) -> Issuer | None: ...


class PlanRepository(Protocol):
    async def all(self) -> dict[str, Plan]: ...
    async def get(self, code: str) -> Plan | None: ...
    async def put(self, plan: Plan) -> None: ...


class AccountRepository(Protocol):
    async def add(self, account: Account, idempotency_key: str | None = None) -> Account:
        """Insert; with a key already used, the account first created with it."""
        ...

    async def get(self, account_id: str) -> Account | None: ...

    async def save_details(self, account: Account) -> bool:
        """Write its holder and formaPago; False when the account is gone."""
        ...

    async def by_id_number(self, id_number: str) -> list[Account]: ...
    async def with_number(self, number: str) -> list[Account]: ...

    async def claim_number(
        self, account_id: str, subscription: Subscription, check: ClaimCheck
    ) -> str | Subscription | None:
        """The new claim's id; the subscription ``check`` says is replayed; None when others
        kept claiming the number meanwhile (the caller may try again)."""
        ...

    async def release_claim(self, claim_id: str) -> None: ...

    async def add_subscription(self, account: Account, subscription_id: str) -> bool:
        """Write that new subscription with the account's events; False if the account is gone."""
        ...

    async def save_end(
        self, account: Account, subscription_id: str, previous_end: date | None
    ) -> bool:
        """Write its end date (if still ``previous_end``) with the account's events."""
        ...

    # The bill run's reads.
    async def billable(self, cycle_day: int, after_id: str | None, limit: int) -> list[Account]: ...
    async def plan_in_use(self, plan_code: str) -> bool:
        """Whether a subscription that has not ended is on the plan."""
        ...

    def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account | AccountFailure]]: ...


class ChargeRepository(Protocol):
    async def add(self, account_id: str, charge: Charge, idempotency_key: str) -> Charge:
        """Insert once per (account, key): the charge first stored with that key."""
        ...

    async def for_accounts(
        self, account_ids: list[str], period: str
    ) -> dict[str, list[Charge]]: ...


class LedgerRepository(Protocol):
    async def add(self, entry: LedgerEntry) -> LedgerEntry:
        """Insert once per (kind, key) with the entry's events: the entry first stored."""
        ...

    async def movements(self, account_ids: list[str]) -> dict[str, list[Movement]]: ...


class InvoiceMovements(Protocol):
    async def movements(self, account_ids: Sequence[str]) -> dict[str, list[Movement]]: ...


class PaymentTerms(Protocol):
    @property
    def payment_term_days(self) -> int: ...


class Accounting(Protocol):
    """The parts of the billing service the operator's use cases work with."""

    @property
    def issuer(self) -> IssuerRepository: ...
    @property
    def plans(self) -> PlanRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def charges(self) -> ChargeRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def invoices(self) -> InvoiceMovements: ...
    @property
    def notes(self) -> InvoiceMovements:
        """Authorized notas de crédito and débito, as statement movements."""
        ...

    @property
    def settings(self) -> PaymentTerms: ...


class LineStatements(Accounting, Protocol):
    """A line's statement: the accounts side and who holds which line (customers)."""

    @property
    def line_holders(self) -> LineHolderRepository: ...
