"""Bill runs as the operator sees them: start (or reopen) one, follow its progress; and the step
of the bill-run loop that completes the runs SRI has decided on."""

from dataclasses import dataclass
from datetime import date, datetime

from billing.domain.bill_run import BillRun, Phase, StateCounts
from billing.domain.events import BillRunCompleted
from billing.domain.transmission_window import TransmissionWindow
from billing.ports import Clock, Invoicing
from common.errors import Conflict, NotFound


@dataclass(frozen=True)
class BillRunReport:
    """A run and its invoices by SRI state."""

    run: BillRun
    counts: StateCounts


async def start(
    svc: Invoicing,
    cycle_day: int,
    period: str,
    issue_date: date | None,
    today: date,
    now: datetime,
) -> BillRun:
    """Start (or resume) the bill run of a cycle day and period: one invoice per account.

    Posting again reopens the run to pick up accounts added since; nobody is invoiced twice.
    """
    window = TransmissionWindow(svc.settings.sri_transmission_window_hours)
    run = BillRun.start(cycle_day, period, issue_date, today, now, window)
    if await svc.issuer.issuer() is None:
        raise Conflict(
            "issuer_not_configured", "Configura primero los datos del emisor (RUC, matriz)."
        )
    if not await svc.bill_runs.add(run):
        run.reopen(now)
        run = await svc.bill_runs.reopen(run)
    svc.wake_bill_runs()
    return run


async def report(svc: Invoicing, bill_run_id: str) -> BillRunReport:
    run = await svc.bill_runs.get(bill_run_id)
    if run is None:
        raise NotFound("No existe ese ciclo de facturación.")
    # Cheap while signing and storing (nothing is submitted meanwhile): the run's own counter.
    by_state = (
        {} if run.phase == Phase.INVOICING else await svc.invoices.count_by_state(bill_run_id)
    )
    return BillRunReport(run, run.counts(by_state))


async def complete_finished(svc: Invoicing, now: Clock) -> list[BillRunCompleted]:
    """Complete the runs whose every invoice reached a final SRI state (BillRunCompleted)."""
    completed: list[BillRunCompleted] = []
    for run in await svc.bill_runs.running():
        if run.phase != Phase.SUBMITTING:
            continue
        if await svc.invoices.has_open(run.bill_run_id):
            continue
        counts = StateCounts(await svc.invoices.count_by_state(run.bill_run_id))
        run.complete(counts, now())
        completed += run.events
        await svc.bill_runs.save(run)
    return completed
