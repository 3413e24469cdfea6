"""The system clock. Fiscal dates (issue, periods, payments) are Ecuador's calendar days; the
zone itself is a domain fact (``billing.domain.periods.ECUADOR``), re-exported here."""

from datetime import UTC, date, datetime

from billing.domain.periods import ECUADOR, ecuador_day

__all__ = ["ECUADOR", "now", "today_in_ecuador"]


def now() -> datetime:
    return datetime.now(UTC)


def today_in_ecuador() -> date:
    return ecuador_day(now())
