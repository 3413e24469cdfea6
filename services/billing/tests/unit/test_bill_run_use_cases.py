"""Bill runs on fakes: starting and reopening one, its report, the invoicing pass page by page
(numbers without gaps, conflicts, resumes) and completion once SRI decided on every invoice."""

from datetime import date, timedelta

import pytest

from billing.domain.bill_run import BillRun, Phase, RunStatus
from billing.domain.events import BillRunCompleted
from billing.domain.submission import State
from billing.loops.bill_runner import BillRunner
from billing.use_cases import bill_runs, invoicing
from common.errors import Conflict, InvalidInput, NotFound
from services.billing.tests.unit.invoice_fakes import (
    ISSUER,
    NOW,
    PERIOD,
    FakeAccounts,
    FakeBilling,
    FakeIssuer,
    FakePages,
    FakeSigner,
    account,
    clock,
    record,
)

TODAY = date(2026, 11, 10)


async def started(svc: FakeBilling) -> BillRun:
    return await bill_runs.start(svc, 1, "2026-10", None, TODAY, NOW)


def accounts(count: int) -> list:  # type: ignore[type-arg]
    return [account(f"acc-{n}", number=f"09912345{n:02d}") for n in range(count)]


def numbers(svc: FakeBilling) -> list[int]:
    return sorted(int(r["sequential"]) for r in svc.invoices.records.values())


# -- starting, reopening, reading --------------------------------------------------------------


async def test_start_opens_the_run_and_wakes_the_loop() -> None:
    svc = FakeBilling()
    run = await started(svc)
    assert svc.bill_runs.runs[run.bill_run_id].status == RunStatus.RUNNING
    assert run.issue_date == TODAY and svc.woken == 1


async def test_start_needs_the_issuer_after_valid_input() -> None:
    svc = FakeBilling(issuer=FakeIssuer(None))
    with pytest.raises(InvalidInput):
        await bill_runs.start(svc, 1, "2026-11", None, TODAY, NOW)
    with pytest.raises(Conflict) as error:
        await started(svc)
    assert (error.value.status, error.value.code) == (409, "issuer_not_configured")
    assert error.value.message == "Configura primero los datos del emisor (RUC, matriz)."
    assert not svc.bill_runs.runs and not svc.woken


async def test_starting_again_reopens_the_same_run() -> None:
    svc = FakeBilling()
    first = await started(svc)
    stored = svc.bill_runs.runs[first.bill_run_id]
    stored.cursor, stored.phase, stored.status = "acc-9", Phase.DONE, RunStatus.COMPLETED
    again = await bill_runs.start(svc, 1, "2026-10", None, TODAY, NOW + timedelta(days=1))
    assert again.bill_run_id == first.bill_run_id and len(svc.bill_runs.runs) == 1
    assert (stored.status, stored.phase, stored.cursor) == (
        RunStatus.RUNNING,
        Phase.INVOICING,
        None,
    )
    assert stored.reopened and stored.updated_at == NOW + timedelta(days=1)
    assert stored.created_at == NOW  # the same run, not a new one


async def test_report() -> None:
    svc = FakeBilling()
    with pytest.raises(NotFound) as error:
        await bill_runs.report(svc, "nope")
    assert error.value.message == "No existe ese ciclo de facturación."
    run = await started(svc)
    svc.bill_runs.runs[run.bill_run_id].invoices_created = 3
    report = await bill_runs.report(svc, run.bill_run_id)
    assert report.counts.by_state == {State.SIGNED: 3} and report.counts.pending == 3


# -- the invoicing pass --------------------------------------------------------------------------


async def run_pass(svc: FakeBilling, pages: FakePages | None = None) -> BillRun:
    run = await started(svc)
    [loaded] = await svc.bill_runs.running()
    await invoicing.invoice(svc, loaded, pages or FakePages(), clock())
    return svc.bill_runs.runs[run.bill_run_id]


async def test_every_account_gets_the_next_number_page_by_page() -> None:
    svc, pages = FakeBilling(accounts=FakeAccounts(*accounts(5))), FakePages()
    run = await run_pass(svc, pages)
    assert numbers(svc) == [1, 2, 3, 4, 5]
    assert [job.first for job in pages.jobs] == [1, 3, 5]  # pages of 2, signed ahead
    assert svc.invoices.hints == {f"{ISSUER.ruc}-001-001": 5}
    assert set(svc.invoices.signed) == set(svc.invoices.records)
    assert (run.cursor, run.accounts_processed, run.invoices_created) == ("acc-4", 5, 5)
    assert run.phase == Phase.SUBMITTING and run.invoiced_at is not None
    assert [i.state for i, _ in pages.stored_invoices] == [State.SIGNED] * 5
    assert all(i.access_key.encode() in xml for i, xml in pages.stored_invoices)
    assert pages.progress == [2, 2, 1]


async def test_a_number_taken_by_another_writer_is_skipped_without_gaps_of_ours() -> None:
    svc = FakeBilling(accounts=FakeAccounts(*accounts(5)))
    svc.invoices.add(record(2, account("someone-else"), period=PERIOD))
    await run_pass(svc)
    assert numbers(svc) == [1, 2, 3, 4, 5, 6]
    mine = [r for r in svc.invoices.records.values() if r["account_id"] != "someone-else"]
    assert sorted(int(r["sequential"]) for r in mine) == [1, 3, 4, 5, 6]


async def test_an_account_invoiced_meanwhile_is_not_invoiced_twice() -> None:
    population = accounts(4)
    svc = FakeBilling(accounts=FakeAccounts(*population))
    svc.invoices.add(record(40, population[1]))
    run = await run_pass(svc)
    by_account = [r["account_id"] for r in svc.invoices.records.values()]
    assert sorted(by_account) == ["acc-0", "acc-1", "acc-2", "acc-3"]
    assert run.invoices_created == 3 and run.accounts_processed == 4


async def test_a_resumed_run_skips_the_accounts_already_invoiced() -> None:
    population = accounts(3)
    svc = FakeBilling(accounts=FakeAccounts(*population))
    run = await started(svc)
    svc.invoices.add(record(1, population[0], bill_run_id=run.bill_run_id))
    await bill_runs.start(svc, 1, "2026-10", None, TODAY, NOW)  # reopened
    [loaded] = await svc.bill_runs.running()
    pages = FakePages()
    await invoicing.invoice(svc, loaded, pages, clock())
    assert numbers(svc) == [1, 2, 3] and len(pages.stored_invoices) == 2


async def test_accounts_that_cannot_be_billed_are_counted() -> None:
    unknown_plan = account("acc-x")
    svc = FakeBilling(accounts=FakeAccounts(*accounts(2), unknown_plan))
    object.__setattr__(unknown_plan.subscriptions[0], "plan_code", "GONE")
    run = await run_pass(svc)
    assert (run.accounts_processed, run.invoices_created, run.accounts_failed) == (3, 2, 1)


async def test_a_run_without_issuer_or_certificate_fails_with_the_reason() -> None:
    svc = FakeBilling(issuer=FakeIssuer(None))
    run = BillRun.start(1, "2026-10", None, TODAY, NOW)
    await svc.bill_runs.add(run)
    await invoicing.invoice(svc, run, FakePages(), clock())
    stored = svc.bill_runs.runs[run.bill_run_id]
    assert (stored.status, stored.error) == (RunStatus.FAILED, "issuer_not_configured")
    svc = FakeBilling(accounts=FakeAccounts(*accounts(1)))
    failed = await run_pass(svc, FakePages(unavailable="SIGNING_P12_PATH is not set"))
    assert failed.error == "signer_unavailable: SIGNING_P12_PATH is not set"
    assert failed.status == RunStatus.FAILED and not svc.invoices.records


# -- completion, through the loop ---------------------------------------------------------------


async def test_the_loop_invoices_then_completes_once_sri_decided() -> None:
    svc = FakeBilling(accounts=FakeAccounts(*accounts(3)))
    handed: list[str] = []
    runner = BillRunner(
        svc,
        FakeSigner,
        lambda stored: handed.extend(i.invoice_id for i, _ in stored),
        clock=clock(),
    )  # type: ignore[arg-type]
    run = await started(svc)
    await runner.run_once()
    assert len(handed) == 3 and svc.bill_runs.runs[run.bill_run_id].phase == Phase.SUBMITTING
    assert not svc.bill_runs.events  # every invoice still open
    for n, invoice in enumerate(svc.invoices.invoices.values()):
        invoice.state = State.RETURNED if n == 0 else State.AUTHORIZED
    await runner.run_once()
    stored = svc.bill_runs.runs[run.bill_run_id]
    assert (stored.status, stored.phase) == (RunStatus.COMPLETED, Phase.DONE)
    assert svc.bill_runs.events == [BillRunCompleted(run.bill_run_id, 1, "2026-10", 3, 2, 1)]
    await runner.run_once()
    assert len(svc.bill_runs.events) == 1  # once
