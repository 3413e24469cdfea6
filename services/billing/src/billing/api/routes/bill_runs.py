"""Bill runs (docs/api.md §billing): start or reopen one, follow it. Operators only."""

from datetime import date, datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel

from billing.api.deps import Ctx, Operator
from billing.api.routes import billing_router
from billing.api.schemas import CycleDay, DayValue, Identifier, Period, published
from billing.domain.periods import ecuador_day
from billing.use_cases import bill_runs
from billing.use_cases.bill_runs import BillRunReport

router = billing_router("billing-invoices")


class BillRunIn(BaseModel):
    cycle_day: CycleDay
    period: Annotated[Period, published("Un periodo ya terminado (AAAA-MM).")]
    # Defaults to today; may be set back to the cut-off (within SRI's window) for a late run.
    issue_date: DayValue | None = None


class BillRunCreated(BaseModel):
    bill_run_id: str
    status: str


class AccountFailureOut(BaseModel):
    account_id: str
    reason: str


class BillRunOut(BaseModel):
    bill_run_id: str
    cycle_day: int
    period: str
    issue_date: date
    status: str
    phase: str
    accounts_processed: int
    invoices: int
    authorized: int
    rejected: int
    pending: int
    failed: int  # accounts that could not be billed (the same as accounts_failed)
    accounts_failed: int
    # Why each of them could not be invoiced (this pass's; reopening the run tries them again).
    failures: list[AccountFailureOut]
    error: str | None
    created_at: datetime
    # Every invoice signed and stored (the last pass, if the run was reopened).
    invoiced_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, report: BillRunReport) -> "BillRunOut":
        run, counts = report.run, report.counts
        return cls(
            bill_run_id=run.bill_run_id,
            cycle_day=run.cycle_day,
            period=run.period,
            issue_date=run.issue_date,
            status=run.status.value,
            phase=run.phase.value,
            accounts_processed=run.accounts_processed,
            invoices=counts.total,
            authorized=counts.authorized,
            rejected=counts.rejected,
            pending=counts.pending,
            failed=run.accounts_failed,
            accounts_failed=run.accounts_failed,
            failures=[
                AccountFailureOut(account_id=f.account_id, reason=f.reason) for f in run.failures
            ],
            error=run.error,
            created_at=run.created_at,
            invoiced_at=run.invoiced_at,
            completed_at=run.completed_at,
        )


@router.post("/admin/bill-runs", status_code=202)
async def start_bill_run(body: BillRunIn, svc: Ctx, _: Operator) -> BillRunCreated:
    """Start (or resume) the bill run of a cycle day and period: one invoice per account."""
    now = svc.clock()
    run = await bill_runs.start(
        svc, body.cycle_day, body.period, body.issue_date, ecuador_day(now), now
    )
    return BillRunCreated(bill_run_id=run.bill_run_id, status=run.status.value)


@router.get("/admin/bill-runs/{bill_run_id}")
async def bill_run(bill_run_id: Annotated[Identifier, Path()], svc: Ctx, _: Operator) -> BillRunOut:
    return BillRunOut.of(await bill_runs.report(svc, bill_run_id))
