"""billing's service object and how it is built: settings → runtime → stores, no I/O.

``bootstrap(settings, **overrides)`` replaces any part (a fake store, a verifier with test keys,
a fixed clock). Routes reach the object through ``api/deps.py``, the bill-run and SRI loops
(wired in ``app.py``) through their constructor.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from billing.adapters.clock import now
from billing.adapters.signer import Signer
from billing.adapters.store import AccountStore, ChargeStore, IssuerStore, LedgerStore, PlanStore
from billing.adapters.store.invoices import BillRunStore, InvoiceStore
from billing.metrics import SIGNING_CERT_EXPIRY
from billing.ports import (
    AccountRepository,
    ChargeRepository,
    Clock,
    IssuerRepository,
    LedgerRepository,
    Loop,
    PlanRepository,
)
from billing.settings import BillingSettings
from common.auth import TokenVerifier, jwks_verifier
from common.service import Runtime


@dataclass
class Billing:
    """The billing service: what routes, use cases (through ``ports``) and loops work with."""

    runtime: Runtime
    settings: BillingSettings
    verifier: TokenVerifier
    issuer: IssuerRepository
    plans: PlanRepository
    accounts: AccountRepository
    charges: ChargeRepository
    ledger: LedgerRepository
    invoices: InvoiceStore
    bill_runs: BillRunStore
    # The signing certificate, loaded on first use (see lazy_signer).
    signer: Callable[[], Signer]
    clock: Clock = now
    # Set by app: wake the bill-run loop now instead of at its next poll.
    wake_bill_runs: Callable[[], None] = field(default=lambda: None)
    # The bill-run loop and the SRI submitter (invoice side), wired by app.build.
    bill_runner: Loop | None = None
    submitter: Loop | None = None


def lazy_signer(settings: BillingSettings) -> Callable[[], Signer]:
    @cache
    def signer() -> Signer:
        # Read on first use: the API serves even while the certificate is missing; bill runs
        # then fail with a clear reason instead of the whole service refusing to start.
        loaded = Signer.from_settings(settings)
        SIGNING_CERT_EXPIRY.set(loaded.expires_at.timestamp())
        return loaded

    return signer


def bootstrap(settings: BillingSettings | None = None, **overrides: Any) -> Billing:
    settings = settings or BillingSettings()
    runtime = Runtime.create(settings)
    database = runtime.database
    parts: dict[str, Any] = {
        "verifier": jwks_verifier(settings.identity_jwks_url),
        "issuer": IssuerStore(database),
        "plans": PlanStore(database),
        "accounts": AccountStore(database),
        "charges": ChargeStore(database),
        "ledger": LedgerStore(database),
        "invoices": InvoiceStore(database),
        "bill_runs": BillRunStore(database),
        "signer": lazy_signer(settings),
    } | overrides
    return Billing(runtime=runtime, settings=settings, **parts)
