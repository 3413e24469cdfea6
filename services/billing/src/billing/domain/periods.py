"""Billing periods: a month label ("2026-10") plus the account's cycle day.

A period with cycle day d runs from day d of its month to the day before day d of the next month,
both included; its cut-off (the invoice's issue date) is the day after it ends. Cycle day 1 gives
calendar months. Cycle days stop at 28 so every month has that day.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# Fiscal dates (issue, periods, payments) are Ecuador's calendar days. A fixed UTC−5 offset is
# exact: Ecuador has had no daylight saving time since 1993.
ECUADOR = timezone(timedelta(hours=-5), "ECT")
MAX_CYCLE_DAY = 28
# Years 2000–2999: every day of such a period and of its neighbours is a date Python can hold
# (9999-12 would end in year 10000), and no period of this system falls outside them.
_PERIOD = re.compile(r"(2[0-9]{3})-(0[1-9]|1[0-2])")


def parse_period(text: str) -> tuple[int, int]:
    """ "2026-10" → (2026, 10); anything else (another format, a year outside 2000–2999)
    raises ValueError."""
    match = _PERIOD.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"a period is YYYY-MM, got {text!r}")
    return int(match[1]), int(match[2])


def check_cycle_day(day: int) -> int:
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= MAX_CYCLE_DAY:
        raise ValueError(f"cycle day must be 1..{MAX_CYCLE_DAY}, got {day!r}")
    return day


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True, order=True)
class BillingPeriod:
    year: int
    month: int
    cycle_day: int = 1

    @classmethod
    def of(cls, period: str, cycle_day: int = 1) -> "BillingPeriod":
        year, month = parse_period(period)
        return cls(year, month, check_cycle_day(cycle_day))

    @classmethod
    def containing(cls, day: date, cycle_day: int = 1) -> "BillingPeriod":
        """The period whose days include ``day``."""
        check_cycle_day(cycle_day)
        if day.day >= cycle_day:
            return cls(day.year, day.month, cycle_day)
        year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
        return cls(year, month, cycle_day)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> date:
        return date(self.year, self.month, self.cycle_day)

    @property
    def cutoff(self) -> date:
        """The first day after the period: the issue date of its invoice."""
        return date(*_next_month(self.year, self.month), self.cycle_day)

    @property
    def end(self) -> date:
        return self.cutoff - timedelta(days=1)

    @property
    def previous(self) -> "BillingPeriod":
        year, month = (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)
        return BillingPeriod(year, month, self.cycle_day)

    @property
    def next(self) -> "BillingPeriod":
        return BillingPeriod(*_next_month(self.year, self.month), self.cycle_day)

    def is_closed(self, today: date) -> bool:
        """A period can be billed once it has ended."""
        return today >= self.cutoff

    def __str__(self) -> str:
        return self.label


def ecuador_day(instant: datetime) -> date:
    """The calendar day an (aware) instant falls on in Ecuador."""
    return instant.astimezone(ECUADOR).date()
