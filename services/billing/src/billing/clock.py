"""Ecuador's time: fiscal dates (issue, periods, payments) are Ecuador's calendar days.

A fixed UTC−5 offset is exact: Ecuador has had no daylight saving time since 1993.
"""

from datetime import date, datetime, timedelta, timezone

ECUADOR = timezone(timedelta(hours=-5), "ECT")


def today_in_ecuador() -> date:
    return datetime.now(ECUADOR).date()
