"""In-memory stand-ins for the invoice side's ports (billing/invoice_ports.py): invoices with the
store's version check and unique numbers, bill runs written by changes and increments, a scripted
SRI, a signer without keys — and the domain events they were handed to publish."""

import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from billing.adapters.signer import sign_page
from billing.adapters.store.invoice_documents import (
    invoice_document,
    invoice_from_document,
    issued_invoice,
)
from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import Charge, bill_lines, build_invoice, lines_total
from billing.domain.bill_run import BillRun, SignJob
from billing.domain.events import BillRunCompleted, InvoiceEvent
from billing.domain.invoice import Invoice, Issuer, document_id
from billing.domain.issued_invoice import HistoryEntry, IssuedInvoice
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement
from billing.domain.submission import OPEN, REJECTED, RetryPolicy, State
from billing.ports import InsertResult, InvoiceRecord, SignedPage
from services.billing.tests.unit.fakes import FakeLineHolders
from services.billing.tests.unit.note_fakes import FakeNoteStore

NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
ISSUER = Issuer("1790011674001", "Demo S.A.", "Quito", True, 1)
PERIOD = BillingPeriod.of("2026-10")
PLAN = Plan("P1", "Plan", "movil", Decimal("10.00"))
# No waiting between steps: every step is due at once.
POLICY = RetryPolicy(
    base_seconds=0.0, max_seconds=0.0, timeout_seconds=0.0, first_query_delay_seconds=0.0
)


def clock(start: datetime = NOW) -> Any:
    """A clock that moves one second per reading (so steps are ordered in time)."""
    ticks = iter(range(10**9))

    def now() -> datetime:
        return start + timedelta(seconds=next(ticks))

    return now


def account(account_id: str | None = None, number: str = "0991234567", **changes: Any) -> Account:
    holder = Holder("cedula", "1714307103", "Ana Pérez", "Quito", "ana@correo.ec", "")
    sub = Subscription(uuid.uuid4().hex, number, "movil", "P1", date(2026, 1, 1))
    values: dict[str, Any] = {"cycle_day": 1, "payment_method": "20", "subscriptions": (sub,)}
    return Account(account_id or uuid.uuid4().hex, holder, **(values | changes))


def record(
    sequential: int = 7,
    account_: Account | None = None,
    bill_run_id: str = "run",
    period: BillingPeriod = PERIOD,
) -> dict[str, Any]:
    """An invoice as a bill run stores it (state signed)."""
    owner = account_ or account()
    lines = bill_lines(owner, {"P1": PLAN}, period)
    this = Movement(period.cutoff, "invoice", "Factura", lines_total(lines), "", period.label)
    statement = build_statement(period, [this], due_days=15)
    invoice = build_invoice(
        ISSUER,
        owner,
        lines,
        issue_date=period.cutoff,
        sequential=sequential,
        numeric_code="12345678",
    )
    return invoice_document(
        invoice,
        account=owner,
        period=period,
        bill_run_id=bill_run_id,
        statement=statement,
        now=NOW,
    )


class FakeInvoices:
    """Invoices by id (the claim on the secuencial) with the store's version check."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}  # as inserted (cycle day, period, items)
        self.invoices: dict[str, IssuedInvoice] = {}  # the current state
        self.signed: dict[str, bytes] = {}
        self.due_queries = 0
        self.authorized: dict[str, bytes] = {}
        self.hints: dict[str, int] = {}
        self.trail: dict[str, list[HistoryEntry]] = {}  # history entries written
        self.events: list[InvoiceEvent] = []
        self.saves = 0
        self.rides: dict[str, datetime] = {}  # RideRendered seen: invoice -> rendered_at

    async def next_sequential(self, ruc: str, establishment: str, point: str) -> int:
        candidate = self.hints.get(f"{ruc}-{establishment}-{point}", 0) + 1
        while document_id(ruc, establishment, point, candidate) in self.records:
            candidate += 1
        return candidate

    async def advance_hint(self, ruc: str, establishment: str, point: str, last: int) -> None:
        key = f"{ruc}-{establishment}-{point}"
        self.hints[key] = max(self.hints.get(key, 0), last)

    async def insert_batch(self, records: Sequence[InvoiceRecord]) -> InsertResult:
        for inserted, doc in enumerate(records):
            taken = {(r["account_id"], r["period"]) for r in self.records.values()}
            if doc["_id"] in self.records:
                return InsertResult(inserted, "number", self._issued(records[:inserted]))
            if (doc["account_id"], doc["period"]) in taken:
                return InsertResult(inserted, "account_period", self._issued(records[:inserted]))
            self.add(doc)
        return InsertResult(len(records), None, self._issued(records))

    def add(self, doc: InvoiceRecord) -> IssuedInvoice:
        self.records[doc["_id"]] = dict(doc)
        self.invoices[doc["_id"]] = issued_invoice(doc)
        self.trail[doc["_id"]] = []
        return issued_invoice(doc)

    @staticmethod
    def _issued(records: Sequence[InvoiceRecord]) -> list[IssuedInvoice]:
        return [issued_invoice(r) for r in records]

    async def save_signed(self, documents: Iterable[tuple[str, bytes]]) -> None:
        self.signed.update(documents)

    async def save_authorized(self, invoice_id: str, xml: bytes) -> None:
        self.authorized[invoice_id] = xml

    async def save(self, invoice: IssuedInvoice) -> bool:
        stored = self.invoices[invoice.invoice_id]
        if stored.version != invoice.version:
            return False
        self.saves += 1
        self.invoices[invoice.invoice_id] = replace(
            invoice, version=invoice.version + 1, factura=None, history=[], events=[]
        )
        self.trail[invoice.invoice_id] += invoice.history
        self.events += invoice.events
        invoice.version += 1
        invoice.history.clear()
        invoice.events.clear()
        return True

    def current(self, invoice_id: str) -> IssuedInvoice:
        return replace(self.invoices[invoice_id], history=[], events=[])

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        if invoice_id not in self.invoices:
            return None
        return replace(self.current(invoice_id), factura=await self.factura(invoice_id))

    async def factura(self, invoice_id: str) -> Invoice | None:
        doc = self.records.get(invoice_id)
        return invoice_from_document(doc) if doc else None

    async def signed_xml(self, invoice_id: str) -> bytes | None:
        return self.signed.get(invoice_id)

    async def authorized_xml(self, invoice_id: str) -> bytes | None:
        return self.authorized.get(invoice_id)

    async def authorized_xml_of_key(self, access_key: str) -> bytes | None:
        ids = [i for i, r in self.records.items() if r["access_key"] == access_key]
        return self.authorized.get(ids[0]) if ids else None

    async def for_account(self, account_id: str) -> list[IssuedInvoice]:
        found = [self.current(i) for i, r in self.records.items() if r["account_id"] == account_id]
        return sorted(found, key=lambda i: (i.period, i.invoice_id), reverse=True)

    async def with_number(self, number: str) -> list[IssuedInvoice]:
        found = [self.current(i) for i, r in self.records.items() if number in r["lines_numbers"]]
        return sorted(found, key=lambda i: (i.period, i.invoice_id), reverse=True)

    async def due(self, now: datetime, limit: int) -> list[IssuedInvoice]:
        due = [
            self.current(i.invoice_id)
            for i in self.invoices.values()
            if i.state in OPEN and i.next_attempt_at is not None and i.next_attempt_at <= now
        ]
        self.due_queries += 1
        return sorted(due, key=lambda i: i.next_attempt_at or now)[:limit]

    async def next_attempt_at(self) -> datetime | None:
        waiting = [
            i.next_attempt_at
            for i in self.invoices.values()
            if i.state in OPEN and i.next_attempt_at is not None
        ]
        return min(waiting, default=None)

    async def invoiced_in(self, cycle_day: int, period: str) -> set[str]:
        return {
            r["account_id"]
            for r in self.records.values()
            if r["cycle_day"] == cycle_day and r["period"] == period
        }

    async def history(self, cycle_day: int) -> dict[str, list[Movement]]:
        result: dict[str, list[Movement]] = {}
        for invoice_id, doc in self.records.items():
            if doc["cycle_day"] == cycle_day and self.invoices[invoice_id].state not in REJECTED:
                movement = Movement(
                    date.fromisoformat(doc["issue_date"]),
                    "invoice",
                    f"Factura {doc['number']}",
                    Decimal(doc["totals"]["total"]),
                    invoice_id,
                    doc["period"],
                )
                result.setdefault(doc["account_id"], []).append(movement)
        return result

    async def has_open(self, bill_run_id: str) -> bool:
        return any(i.state in OPEN for i in self.invoices.values() if i.bill_run_id == bill_run_id)

    async def mark_ride_rendered(self, invoice_id: str, at: datetime) -> None:
        self.rides.setdefault(invoice_id, at)

    async def ride_rendered_at(self, invoice_id: str) -> datetime | None:
        return self.rides.get(invoice_id)

    async def count_by_state(self, bill_run_id: str) -> dict[State, int]:
        counts: dict[State, int] = {}
        for invoice in self.invoices.values():
            if invoice.bill_run_id == bill_run_id:
                counts[invoice.state] = counts.get(invoice.state, 0) + 1
        return counts


class FakeBillRuns:
    """Runs by id; a save applies the run's changes and counters like the store's update."""

    def __init__(self) -> None:
        self.runs: dict[str, BillRun] = {}
        self.events: list[BillRunCompleted] = []

    async def add(self, run: BillRun) -> bool:
        if any((r.cycle_day, r.period) == (run.cycle_day, run.period) for r in self.runs.values()):
            return False
        self.runs[run.bill_run_id] = _copy(run)
        return True

    async def reopen(self, run: BillRun) -> BillRun:
        [stored] = [
            r for r in self.runs.values() if (r.cycle_day, r.period) == (run.cycle_day, run.period)
        ]
        for name in run.changed:
            setattr(stored, name, getattr(run, name))
        return _copy(stored)

    async def get(self, bill_run_id: str) -> BillRun | None:
        run = self.runs.get(bill_run_id)
        return _copy(run) if run else None

    async def running(self) -> list[BillRun]:
        found = [r for r in self.runs.values() if r.status == "running"]
        return [_copy(r) for r in sorted(found, key=lambda r: r.created_at)]

    async def save(self, run: BillRun) -> None:
        stored = self.runs[run.bill_run_id]
        for name in run.changed:
            setattr(stored, name, getattr(run, name))
        for name, value in run.added.items():
            setattr(stored, name, getattr(stored, name) + value)
        if "failures" in run.changed:
            stored.failures = list(run.failures)
        else:
            stored.failures = stored.failures + run.new_failures
        self.events += run.events
        run.changed.clear()
        run.added.clear()
        run.events.clear()
        run.new_failures.clear()


def _copy(run: BillRun) -> BillRun:
    """A run as a read returns it: nothing shared with what is stored."""
    return replace(
        run, events=[], changed=set(), added={}, failures=list(run.failures), new_failures=[]
    )


class FakeIssuer:
    def __init__(self, issuer: Issuer | None = ISSUER) -> None:
        self.value = issuer

    async def issuer(self) -> Issuer | None:
        return self.value


class FakePlans:
    async def all(self) -> dict[str, Plan]:
        return {PLAN.code: PLAN}


class FakeAccounts:
    def __init__(self, *accounts: Account) -> None:
        self.accounts = sorted(accounts, key=lambda a: a.account_id)

    async def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account]]:
        todo = [
            a
            for a in self.accounts
            if a.cycle_day == cycle_day and (after_id is None or a.account_id > after_id)
        ]
        for start in range(0, len(todo), chunk):
            yield todo[start : start + chunk]


class FakeCharges:
    def __init__(self, charges: dict[str, list[Charge]] | None = None) -> None:
        self.charges = charges or {}

    async def for_accounts(self, account_ids: list[str], period: str) -> dict[str, list[Charge]]:
        return {a: [c for c in self.charges.get(a, []) if c.period == period] for a in account_ids}


class FakeLedger:
    async def movements(self, account_ids: list[str]) -> dict[str, list[Movement]]:
        return {}


@dataclass
class FakeSettings:
    bill_run_batch_size: int = 2
    bill_run_max_failed_accounts: int = 100
    payment_term_days: int = 15
    sri_transmission_window_hours: int = 72
    ride_link_secret: str = "clave-de-enlaces-de-prueba"
    ride_link_seconds: int = 300
    rendering_public_url: str = "/api/rendering"
    document_link_secret: str = "clave-de-documentos-de-prueba"


@dataclass
class FakeBilling:
    """The service object as the invoice side's use cases see it (billing.ports)."""

    issuer: FakeIssuer = field(default_factory=FakeIssuer)
    plans: FakePlans = field(default_factory=FakePlans)
    accounts: FakeAccounts = field(default_factory=FakeAccounts)
    charges: FakeCharges = field(default_factory=FakeCharges)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    invoices: FakeInvoices = field(default_factory=FakeInvoices)
    bill_runs: FakeBillRuns = field(default_factory=FakeBillRuns)
    line_holders: FakeLineHolders = field(default_factory=FakeLineHolders)
    notes: FakeNoteStore = field(default_factory=FakeNoteStore)
    settings: FakeSettings = field(default_factory=FakeSettings)
    woken: int = 0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # real: "today"

    def wake_bill_runs(self) -> None:
        self.woken += 1


class FakeSigner:
    """Signs without keys: the XML names the invoice's access key (what the submitter checks)."""

    def __init__(self) -> None:
        self.signed: list[str] = []

    def sign(self, invoice: Invoice, now: datetime | None = None) -> bytes:
        self.signed.append(invoice.access_key)
        return f"<factura>{invoice.access_key}</factura>".encode()


class FakePages:
    """A bill run's pages signed in the test's own thread; what was stored, remembered."""

    def __init__(self, unavailable: str | None = None) -> None:
        self.signer = FakeSigner()
        self.unavailable = unavailable
        self.jobs: list[SignJob] = []
        self.stored_invoices: list[tuple[IssuedInvoice, bytes]] = []
        self.progress: list[int] = []

    def check(self) -> None:
        if self.unavailable:
            raise RuntimeError(self.unavailable)

    async def sign(self, job: SignJob) -> SignedPage:
        self.jobs.append(job)
        return sign_page(job, self.signer)

    def stored(self, invoices: Sequence[tuple[IssuedInvoice, bytes]]) -> None:
        self.stored_invoices += invoices

    def progressed(self, run: BillRun, accounts: int) -> None:
        self.progress.append(accounts)
