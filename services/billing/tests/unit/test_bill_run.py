"""The bill run aggregate: what a run accepts to start, the changes each step records for the
store, its counts and its completion (BillRunCompleted)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from billing.domain.bill_run import AccountFailure, BillRun, Phase, RunStatus, StateCounts
from billing.domain.events import BillRunCompleted
from billing.domain.submission import State
from billing.domain.transmission_window import TransmissionWindow
from common.errors import InvalidInput

NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 10)


def fields(call: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as error:
        call()  # type: ignore[operator]
    return error.value.fields or {}


def start(cycle_day: int = 1, period: str = "2026-10", issue: date | None = None) -> BillRun:
    return BillRun.start(cycle_day, period, issue, TODAY, NOW)


def test_a_new_run_of_a_closed_period() -> None:
    run = start(5)
    assert (run.cycle_day, run.period, run.issue_date) == (5, "2026-10", TODAY)
    assert (run.status, run.phase, run.cursor) == (RunStatus.RUNNING, Phase.INVOICING, None)
    assert run.created_at == run.updated_at == NOW and len(run.bill_run_id) == 32
    assert not run.changed and not run.added and not run.events and not run.resumed


@pytest.mark.parametrize(
    ("cycle_day", "period", "issue", "field", "message"),
    [
        (0, "2026-10", None, "cycle_day", "El día de corte debe estar entre 1 y 28."),
        (29, "2026-10", None, "cycle_day", "El día de corte debe estar entre 1 y 28."),
        (
            1,
            "2026-1",
            None,
            "period",
            "El período debe tener el formato AAAA-MM (de 2000-01 a 2999-12).",
        ),
        (
            1,
            "2026-11",
            None,
            "period",
            "El período aún no termina: se puede facturar desde el 2026-12-01.",
        ),
        (
            1,
            "2026-10",
            date(2026, 10, 31),
            "issue_date",
            "La fecha de emisión debe estar entre el corte del período y hoy.",
        ),
        (
            1,
            "2026-10",
            TODAY + timedelta(days=1),
            "issue_date",
            "La fecha de emisión debe estar entre el corte del período y hoy.",
        ),
        (
            1,
            "2026-10",
            date(2026, 11, 6),  # its 72 hours ended at midnight, ten hours ago
            "issue_date",
            "El SRI recibe los comprobantes hasta 72 horas después de su emisión: la fecha de "
            "emisión más antigua posible hoy es el 07/11/2026. Omite issue_date para emitir con "
            "la fecha de hoy (el período va en el detalle).",
        ),
    ],
)
def test_what_a_run_refuses(
    cycle_day: int, period: str, issue: date | None, field: str, message: str
) -> None:
    assert fields(lambda: start(cycle_day, period, issue)) == {field: message}


def test_a_run_may_be_dated_back_only_within_the_transmission_window() -> None:
    # NOW is 10:00 in Ecuador on 10/11: a factura of 07/11 may be sent until 10/11 24:00.
    assert start(1, "2026-10", date(2026, 11, 7)).issue_date == date(2026, 11, 7)
    wider = TransmissionWindow(hours=240)
    late = BillRun.start(1, "2026-10", date(2026, 11, 1), TODAY, NOW, wider)
    assert late.issue_date == date(2026, 11, 1)  # back to the cut-off, never before
    narrower = TransmissionWindow(hours=24)
    assert "issue_date" in fields(
        lambda: BillRun.start(1, "2026-10", date(2026, 11, 8), TODAY, NOW, narrower)
    )


def test_reopening_records_what_the_store_writes() -> None:
    run = start()
    run.page_stored("acc-2", 2, 1, [AccountFailure("acc-1", "No se pudo facturar")], NOW)
    run.fail_for_failures(0, NOW)
    run.changed.clear()
    run.reopen(NOW)
    assert run.changed == {
        "issue_date",  # this request's (today by default): the first pass's window may be over
        "status",
        "phase",
        "cursor",
        "reopened",
        "error",
        "accounts_failed",
        "failures",
        "updated_at",
    }
    assert run.reopened and run.resumed and run.phase == Phase.INVOICING
    # The accounts that failed are tried again: their failures are this pass's no more.
    assert (run.accounts_failed, run.failures, run.error) == (0, [], None)


def test_a_stored_page_moves_the_cursor_and_adds_to_the_counters() -> None:
    run = start()
    failure = AccountFailure("acc-1", "No se pudo facturar la cuenta: name: ...")
    run.page_stored("acc-2", 2, 1, [failure], NOW)
    run.page_stored("acc-4", 2, 2, [], NOW)
    assert run.cursor == "acc-4" and run.changed == {"cursor", "updated_at"}
    assert run.added == {"accounts_processed": 4, "invoices_created": 3, "accounts_failed": 1}
    assert (run.accounts_processed, run.invoices_created, run.accounts_failed) == (4, 3, 1)
    assert run.failures == run.new_failures == [failure]
    assert run.resumed


def test_past_the_limit_of_failed_accounts_the_run_fails() -> None:
    run = start()
    failures = [AccountFailure(f"acc-{n}", "No se pudo facturar") for n in range(3)]
    run.page_stored("acc-3", 3, 0, failures[:2], NOW)
    assert not run.too_many_failures(2)
    run.page_stored("acc-4", 1, 0, failures[2:], NOW)
    assert run.too_many_failures(2)
    run.fail_for_failures(2, NOW)
    assert run.status == RunStatus.FAILED and run.error == "too_many_failed_accounts: 3 > 2"


def test_a_failure_names_the_fields_of_an_invalid_account() -> None:
    error = InvalidInput.field(
        "name", "Contiene un carácter no permitido (U+FFFE); revisa el texto."
    )
    failure = AccountFailure.of("acc-1", error)
    assert failure.account_id == "acc-1"
    assert failure.reason == (
        "No se pudo facturar la cuenta: name: Contiene un carácter no permitido (U+FFFE); "
        "revisa el texto."
    )
    assert AccountFailure.of("acc-2", ValueError("")).reason.endswith(": ValueError")


def test_invoiced_then_completed() -> None:
    run = start()
    run.reopen(NOW)
    run.invoiced(NOW)
    assert run.phase == Phase.SUBMITTING and not run.reopened and run.invoiced_at == NOW
    counts = StateCounts({State.AUTHORIZED: 3, State.RETURNED: 1, State.NOT_AUTHORIZED: 1})
    run.complete(counts, NOW)
    assert (run.status, run.phase, run.completed_at) == (RunStatus.COMPLETED, Phase.DONE, NOW)
    assert run.events == [BillRunCompleted(run.bill_run_id, 1, "2026-10", 5, 3, 2)]


def test_a_failed_run_says_why() -> None:
    run = start()
    run.fail("issuer_not_configured", NOW)
    assert run.status == RunStatus.FAILED and run.error == "issuer_not_configured"
    assert run.changed == {"status", "error", "updated_at"}


def test_counts_while_invoicing_are_the_runs_own_counter() -> None:
    run = start()
    run.page_stored("acc-9", 10, 7, [], NOW)
    assert run.counts({State.AUTHORIZED: 99}).by_state == {State.SIGNED: 7}
    run.invoiced(NOW)
    counts = run.counts({State.AUTHORIZED: 4, State.IN_PROCESS: 2, State.RETURNED: 1})
    assert (counts.total, counts.authorized, counts.rejected, counts.pending) == (7, 4, 1, 2)
