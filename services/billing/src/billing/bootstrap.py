"""billing's service object and how it is built: settings → runtime → stores → loops, no I/O.

``bootstrap(settings, **overrides)`` replaces any part (a fake store, a verifier with test keys,
a fixed clock, the loops). Routes reach the object through ``api/deps.py``, the bill-run and SRI
loops through their constructor.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from billing.adapters.clock import now
from billing.adapters.crash_points import CrashingInvoiceStore, CrashingSri, CrashPoints
from billing.adapters.retention_schema import RetentionDocuments
from billing.adapters.signer import Signer, SigningProcesses
from billing.adapters.sri_client import SriClient
from billing.adapters.store import (
    AccountStore,
    ChargeStore,
    IssuerStore,
    LedgerStore,
    LineHolderStore,
    NoteStore,
    PlanStore,
)
from billing.adapters.store.corrections import CorrectionStore
from billing.adapters.store.invoices import BillRunStore, InvoiceStore
from billing.adapters.store.withholdings import WithholdingStore
from billing.domain.issued_invoice import IssuedInvoice
from billing.loops.bill_runner import BillRunner, sign_page_in_worker
from billing.loops.note_submitter import note_side
from billing.loops.submitter import Submitter
from billing.metrics import OPEN_NOTES, SIGNING_CERT_EXPIRY
from billing.ports import (
    AccountRepository,
    ChargeRepository,
    Clock,
    IssuerRepository,
    LedgerRepository,
    LineHolderRepository,
    Loop,
    PlanRepository,
    Sri,
)
from billing.ports.withholdings import RetentionDocuments as RetentionDocumentChecks
from billing.ports.withholdings import WithholdingRepository
from billing.settings import BillingSettings
from common.auth import TokenVerifier, jwks_verifier
from common.revocations import RevocationList
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
    # Who holds which line (lines' LineRegistered / LineRemoved): customers' reads.
    line_holders: LineHolderRepository
    # Comprobantes de retención received, and their XSD and signature checks.
    withholdings: WithholdingRepository
    retention_documents: RetentionDocumentChecks
    # Notas de crédito and débito (their own collection, the same SRI pipeline).
    notes: NoteStore
    # Rejected invoices and their correction (use_cases/corrections.py).
    corrections: CorrectionStore
    # The signing certificate, loaded on first use (see lazy_signer).
    signer: Callable[[], Signer]
    clock: Clock = now
    # Wakes the bill-run loop now instead of at its next poll (set by wire_invoicing).
    wake_bill_runs: Callable[[], None] = field(default=lambda: None)
    # Hands a corrected invoice and its XML to the submitter now (set by wire_invoicing).
    submit_now: Callable[[Sequence[tuple[IssuedInvoice, bytes]]], None] = field(
        default=lambda stored: None
    )
    # The bill-run loop and the SRI submitter, wired to each other by bootstrap.
    bill_runner: Loop | None = None
    submitter: Loop | None = None
    # The processes that sign bill-run pages (None: signed in a thread), for /healthz.
    signing: SigningProcesses | None = None
    # The SRI submitter of notas de crédito and débito (the same loop class over the notes).
    note_submitter: Submitter | None = None


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
    # Test only (settings refuse it in production): die at named points (fault tests).
    crash = CrashPoints(settings.crash_points)
    parts: dict[str, Any] = {
        "verifier": jwks_verifier(settings.identity_jwks_url, RevocationList()),
        "issuer": IssuerStore(database),
        "plans": PlanStore(database),
        "accounts": AccountStore(database),
        "charges": ChargeStore(database),
        "ledger": LedgerStore(database),
        "invoices": CrashingInvoiceStore(database, crash) if crash else InvoiceStore(database),
        "bill_runs": BillRunStore(database),
        "line_holders": LineHolderStore(database),
        "withholdings": WithholdingStore(database),
        "retention_documents": RetentionDocuments(),
        "notes": NoteStore(database),
        "corrections": CorrectionStore(database),
        "signer": lazy_signer(settings),
    } | overrides
    service = Billing(runtime=runtime, settings=settings, **parts)
    if service.bill_runner is None or service.submitter is None:
        wire_invoicing(service)
    return service


def wire_invoicing(svc: Billing) -> None:
    """The bill-run runner and the SRI submitter, wired to each other and to the service."""
    settings = svc.settings
    reception_url, authorization_url = settings.sri_urls()
    client = SriClient(reception_url, authorization_url, settings.sri_timeout_seconds)
    crash = CrashPoints(settings.crash_points)
    sri: Sri = CrashingSri(client, crash) if crash else client
    submitter = Submitter(svc, sri, svc.signer)
    sign = None
    if settings.signing_processes > 0 and settings.signing_p12_path:
        processes = SigningProcesses(settings, settings.signing_processes)
        sign = partial(processes.run, sign_page_in_worker)
        svc.signing = processes
    runner = BillRunner(svc, svc.signer, submitter.notify, sign)
    submitter.on_final = runner.wake
    submitter.paused = lambda: runner.invoicing
    svc.wake_bill_runs = runner.wake
    svc.submit_now = submitter.notify
    svc.bill_runner, svc.submitter = runner, submitter
    svc.note_submitter = Submitter(note_side(svc), sri, svc.signer)
    svc.note_submitter.pending = OPEN_NOTES
