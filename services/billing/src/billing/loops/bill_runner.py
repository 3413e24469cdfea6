"""The bill-run loop: runs in their invoicing phase get their pages signed and stored
(use_cases/invoicing.py), runs SRI has decided on get completed (use_cases/bill_runs.py).

The runner is also how its runs' pages are signed — in worker processes (app.py) or, by default,
in a thread — and who hears about the invoices they store (the SRI submitter).
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, time

from billing.adapters.signer import Signer, sign_page, sign_page_in_worker
from billing.domain.bill_run import BillRun, Phase, SignJob
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.periods import ECUADOR, BillingPeriod
from billing.metrics import BILL_RUN_ACCOUNTS, INVOICES_CREATED, OPEN_BILL_RUN_AGE
from billing.ports import Invoicing, SignedPage
from billing.use_cases import bill_runs, invoicing
from common.logging import get_logger

__all__ = ["BillRunner", "sign_page", "sign_page_in_worker"]

log = get_logger(__name__)

Stored = Callable[[Sequence[tuple[IssuedInvoice, bytes]]], None]


def _now() -> datetime:
    return datetime.now(UTC)


def open_cutoff_age(runs: Sequence[BillRun], now: datetime) -> float:
    """Seconds since the cut-off (its first instant in Ecuador) of the oldest run not yet
    completed: invoices of a cycle must be authorized within 24 h of it (docs/design.md §7).
    A run is completed once SRI decided on every invoice, however slowly it polls."""
    cutoffs = [
        datetime.combine(BillingPeriod.of(r.period, r.cycle_day).cutoff, time(), ECUADOR)
        for r in runs
    ]
    return max(((now - c).total_seconds() for c in cutoffs), default=0.0)


class BillRunner:
    def __init__(
        self,
        svc: Invoicing,
        signer: Callable[[], Signer],
        invoices_stored: Stored,
        sign: Callable[[SignJob], Awaitable[SignedPage]] | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._svc = svc
        self._now = clock
        self._signer = signer
        # How pages get signed: in worker processes (app.py) or, by default, in a thread.
        self._sign = sign or (lambda job: asyncio.to_thread(sign_page, job, self._signer()))
        self._stored = invoices_stored
        self._wake = asyncio.Event()
        # True while a run is being signed and stored: the submitter waits meanwhile.
        self.invoicing = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self, poll_seconds: float = 5.0) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bill_run_error")
            try:
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
            except TimeoutError:
                pass

    async def run_once(self) -> None:
        running = await self._svc.bill_runs.running()
        OPEN_BILL_RUN_AGE.set(open_cutoff_age(running, self._now()))
        for run in running:
            if run.phase == Phase.INVOICING:
                self.invoicing = True
                try:
                    await invoicing.invoice(self._svc, run, self, self._now)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Not an account's fault (those are recorded and skipped): the database,
                    # the signing pool... Tried again at the next pass; the other runs go on.
                    log.exception("bill_run_pass_failed", bill_run_id=run.bill_run_id)
                finally:
                    self.invoicing = False
        for completed in await bill_runs.complete_finished(self._svc, self._now):
            log.info("bill_run_completed", **asdict(completed))

    # -- the Pages port of the runs (billing.ports.Pages) ----------------------------

    def check(self) -> None:
        self._signer()

    def sign(self, job: SignJob) -> Awaitable[SignedPage]:
        return self._sign(job)

    def stored(self, invoices: Sequence[tuple[IssuedInvoice, bytes]]) -> None:
        INVOICES_CREATED.inc(len(invoices))
        self._stored(invoices)

    def progressed(self, run: BillRun, accounts: int) -> None:
        BILL_RUN_ACCOUNTS.labels(run.bill_run_id).inc(accounts)
