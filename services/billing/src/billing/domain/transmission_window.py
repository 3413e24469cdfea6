"""SRI's transmission window: a comprobante goes to SRI when it is issued, at the latest
``hours`` later (docs/sri.md §9 "When to transmit": Res. NAC-DGERCGC18-00000233 art. 7 as
amended in 2022, seen in secondary sources, hence a setting, SRI_TRANSMISSION_WINDOW_HOURS,
72 by default). SRI answers error 65 (FECHA EMISION EXTEMPORANEA) to one sent later.

``fechaEmision`` is a date without a time, so the window is counted from the end of that day in
Ecuador: the sandbox counts it the same way (deploy/local/sri-sandbox checks.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from billing.domain.periods import ECUADOR

DEFAULT_HOURS = 72


@dataclass(frozen=True)
class TransmissionWindow:
    hours: int = DEFAULT_HOURS

    def __post_init__(self) -> None:
        if self.hours < 1:
            raise ValueError("the transmission window is at least one hour")

    def deadline(self, issue_date: date) -> datetime:
        """The last instant SRI accepts a comprobante issued on ``issue_date``."""
        day_ends = datetime.combine(issue_date + timedelta(days=1), time(), ECUADOR)
        return day_ends + timedelta(hours=self.hours)

    def open_for(self, issue_date: date, now: datetime) -> bool:
        """Whether a comprobante issued on ``issue_date`` may still be sent at ``now``; never
        one dated after today (SRI refuses those with 65 too)."""
        today = now.astimezone(ECUADOR).date()
        return issue_date <= today and now <= self.deadline(issue_date)

    def earliest(self, now: datetime) -> date:
        """The oldest issue date still open at ``now``."""
        day = now.astimezone(ECUADOR).date()
        while self.open_for(day - timedelta(days=1), now):
            day -= timedelta(days=1)
        return day
