"""The SLO gauge (docs/design.md §7): how long the oldest bill run not yet completed has been
open since its cut-off, whatever the SRI polling rhythm (the alerts read it)."""

from datetime import UTC, date, datetime

from billing.domain.bill_run import BillRun
from billing.loops.bill_runner import open_cutoff_age


def run(period: str, cycle_day: int) -> BillRun:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return BillRun(f"run-{period}-{cycle_day}", cycle_day, period, date(2026, 12, 1), at, at)


def test_none_open_is_zero() -> None:
    assert open_cutoff_age([], datetime(2026, 12, 2, tzinfo=UTC)) == 0.0


def test_the_oldest_cutoff_counts_from_its_first_instant_in_ecuador() -> None:
    # 2026-11 with cycle day 1 is cut off on 2026-12-01, 00:00 in Ecuador = 05:00 UTC.
    now = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    assert open_cutoff_age([run("2026-11", 1)], now) == 36 * 3600
    # The 2026-10 run of cycle day 15 (cut off on 2026-11-15) is still open too: it decides.
    runs = [run("2026-11", 1), run("2026-10", 15)]
    assert open_cutoff_age(runs, now) == (17 * 24 + 12) * 3600
