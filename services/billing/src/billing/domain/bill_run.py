"""A bill run: one invoice per account of a cycle day for a closed period.

A run pages through its accounts and remembers how far it got (``cursor``), so a restarted
process resumes where the last one stopped; it leaves its ``invoicing`` phase once every invoice
is signed and stored, and completes (BillRunCompleted) once SRI decided on every one. Posting the
same cycle day and period again reopens it to pick up accounts added since.

The store writes only what a step changed (``changed``, counters by increment in ``added``):
the API may reopen a run while the runner stores its pages.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from billing.domain.accounts import Account
from billing.domain.events import BillRunCompleted
from billing.domain.invoice import InvoiceLine, Issuer
from billing.domain.periods import MAX_CYCLE_DAY, BillingPeriod
from billing.domain.statement import Movement
from billing.domain.submission import OPEN, REJECTED, State
from billing.domain.transmission_window import TransmissionWindow
from common.errors import InvalidInput


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Phase(StrEnum):
    INVOICING = "invoicing"  # signing and storing, page by page
    SUBMITTING = "submitting"  # every invoice stored; SRI decides
    DONE = "done"


@dataclass(frozen=True)
class StateCounts:
    """A run's invoices by SRI state."""

    by_state: Mapping[State, int]

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def authorized(self) -> int:
        return self.by_state.get(State.AUTHORIZED, 0)

    @property
    def rejected(self) -> int:
        return sum(n for state, n in self.by_state.items() if state in REJECTED)

    @property
    def pending(self) -> int:
        return sum(n for state, n in self.by_state.items() if state in OPEN)


def bill_run_input(
    cycle_day: int,
    period: str,
    issue_date: date | None,
    today: date,
    now: datetime,
    window: TransmissionWindow,
) -> tuple[BillingPeriod, date]:
    """The period to bill and the issue date, or InvalidInput field by field."""
    if not 1 <= cycle_day <= MAX_CYCLE_DAY:
        raise InvalidInput({"cycle_day": f"El día de corte debe estar entre 1 y {MAX_CYCLE_DAY}."})
    try:
        billing_period = BillingPeriod.of(period, cycle_day)
    except ValueError:
        raise InvalidInput(
            {"period": "El período debe tener el formato AAAA-MM (de 2000-01 a 2999-12)."}
        ) from None
    if not billing_period.is_closed(today):
        raise InvalidInput(
            {
                "period": "El período aún no termina: se puede facturar desde el "
                f"{billing_period.cutoff}."
            }
        )
    # The run's date; an earlier one (back to the cut-off) only while SRI's transmission window
    # is still open for it (docs/sri.md §9): a late run issues today, the period is in the lines.
    issued = issue_date or today
    if not billing_period.cutoff <= issued <= today:
        raise InvalidInput(
            {"issue_date": "La fecha de emisión debe estar entre el corte del período y hoy."}
        )
    if not window.open_for(issued, now):
        raise InvalidInput({"issue_date": outside_window_message(window, now)})
    return billing_period, issued


def outside_window_message(window: TransmissionWindow, now: datetime) -> str:
    return (
        f"El SRI recibe los comprobantes hasta {window.hours} horas después de su emisión: "
        f"la fecha de emisión más antigua posible hoy es el {window.earliest(now):%d/%m/%Y}. "
        "Omite issue_date para emitir con la fecha de hoy (el período va en el detalle)."
    )


@dataclass(frozen=True)
class AccountFailure:
    """An account the run could not invoice, and why (the rest of the run goes on)."""

    account_id: str
    reason: str

    @classmethod
    def of(cls, account_id: str, error: BaseException) -> "AccountFailure":
        detail = str(error) or type(error).__name__
        if isinstance(error, InvalidInput) and error.fields:
            detail = "; ".join(f"{name}: {message}" for name, message in error.fields.items())
        return cls(account_id, f"No se pudo facturar la cuenta: {detail}"[:500])


@dataclass
class BillRun:
    bill_run_id: str
    cycle_day: int
    period: str
    issue_date: date
    created_at: datetime
    updated_at: datetime
    status: RunStatus = RunStatus.RUNNING
    phase: Phase = Phase.INVOICING
    cursor: str | None = None  # the last account whose page is stored
    accounts_processed: int = 0
    invoices_created: int = 0
    accounts_failed: int = 0
    # Why each of them failed (this pass's: reopening the run clears them).
    failures: list[AccountFailure] = field(default_factory=list)
    reopened: bool = False
    error: str | None = None
    invoiced_at: datetime | None = None  # every invoice signed and stored (the last pass)
    completed_at: datetime | None = None
    events: list[BillRunCompleted] = field(default_factory=list)
    # What the next save writes: these fields, these counters by increment, these failures.
    changed: set[str] = field(default_factory=set)
    added: dict[str, int] = field(default_factory=dict)
    new_failures: list[AccountFailure] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        cycle_day: int,
        period: str,
        issue_date: date | None,
        today: date,
        now: datetime,
        window: TransmissionWindow | None = None,
    ) -> "BillRun":
        """A new run of a closed period (InvalidInput when the period or issue date is wrong)."""
        billing_period, issued = bill_run_input(
            cycle_day, period, issue_date, today, now, window or TransmissionWindow()
        )
        return cls(
            bill_run_id=uuid.uuid4().hex,
            cycle_day=billing_period.cycle_day,
            period=billing_period.label,
            issue_date=issued,
            created_at=now,
            updated_at=now,
        )

    @property
    def billing_period(self) -> BillingPeriod:
        return BillingPeriod.of(self.period, self.cycle_day)

    @property
    def resumed(self) -> bool:
        """Some accounts may be invoiced already: a restarted or reopened run."""
        return self.cursor is not None or self.reopened

    def counts(self, by_state: Mapping[State, int]) -> StateCounts:
        """The run's invoices by state; while invoicing, its own counter (nothing is submitted
        meanwhile, and counting the invoices would compete with the run for the database)."""
        if self.phase == Phase.INVOICING:
            return StateCounts({State.SIGNED: self.invoices_created})
        return StateCounts(by_state)

    def reopen(self, now: datetime) -> None:
        """Run again over every account: those invoiced already are skipped, those that failed
        are tried again (their failures are cleared). The new invoices carry this run's issue
        date (today's by default), not the first pass's: that one's SRI window may be over."""
        self._set(
            issue_date=self.issue_date,
            status=RunStatus.RUNNING,
            phase=Phase.INVOICING,
            cursor=None,
            reopened=True,
            error=None,
            accounts_failed=0,
            failures=[],
            updated_at=now,
        )

    def page_stored(
        self,
        cursor: str,
        accounts: int,
        created: int,
        failures: Sequence[AccountFailure],
        now: datetime,
    ) -> None:
        self._set(cursor=cursor, updated_at=now)
        self._add(
            accounts_processed=accounts, invoices_created=created, accounts_failed=len(failures)
        )
        self.failures += failures
        self.new_failures += failures

    def too_many_failures(self, limit: int) -> bool:
        """Past ``limit`` failed accounts the cause is rarely the accounts: stop the run."""
        return self.accounts_failed > limit

    def invoiced(self, now: datetime) -> None:
        """Every account's invoice is signed and stored: SRI's turn."""
        self._set(phase=Phase.SUBMITTING, reopened=False, invoiced_at=now, updated_at=now)

    def fail(self, reason: str, now: datetime) -> None:
        self._set(status=RunStatus.FAILED, error=reason, updated_at=now)

    def fail_for_failures(self, limit: int, now: datetime) -> None:
        self.fail(f"too_many_failed_accounts: {self.accounts_failed} > {limit}", now)

    def complete(self, counts: StateCounts, now: datetime) -> None:
        """Every invoice reached a final SRI state."""
        self._set(status=RunStatus.COMPLETED, phase=Phase.DONE, completed_at=now, updated_at=now)
        self.events.append(
            BillRunCompleted(
                bill_run_id=self.bill_run_id,
                cycle_day=self.cycle_day,
                period=self.period,
                invoices=counts.total,
                authorized=counts.authorized,
                rejected=counts.rejected,
            )
        )

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        self.changed.update(values)

    def _add(self, **counters: int) -> None:
        for name, value in counters.items():
            setattr(self, name, getattr(self, name) + value)
            self.added[name] = self.added.get(name, 0) + value


@dataclass(frozen=True)
class Draft:
    """An account's bill before it has a number."""

    account: Account
    lines: tuple[InvoiceLine, ...]
    movements: tuple[Movement, ...]


@dataclass(frozen=True)
class SignJob:
    """A page to number, build and sign: plain data, so a worker process can take it."""

    run_id: str
    issuer: Issuer
    period: BillingPeriod
    issue_date: date
    payment_days: int
    first: int  # the secuencial of the first draft; the others follow
    drafts: tuple[Draft, ...]
