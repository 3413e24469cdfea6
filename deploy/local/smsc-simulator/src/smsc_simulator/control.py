"""Fault modes set through the HTTP API: refuse binds, throttle submits, drop connections.

A timed mode ends by itself: whoever asks after its end sees ``normal`` (checked on read, so no
timer task is needed and the end is exact).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

log = logging.getLogger("smsc_simulator.control")


class Mode(StrEnum):
    NORMAL = "normal"
    REFUSE_BINDS = "refuse_binds"
    THROTTLE = "throttle"
    DROP = "drop"  # one shot: closes every connection, the mode stays what it was


@dataclass(frozen=True)
class State:
    mode: Mode
    until: datetime | None  # None: until told otherwise

    def as_json(self) -> dict[str, str | None]:
        until = self.until.isoformat(timespec="milliseconds") if self.until else None
        return {"mode": self.mode.value, "until": until}


class Controls:
    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._monotonic = monotonic
        self._wall = wall
        self._mode = Mode.NORMAL
        self._ends_at: float | None = None  # monotonic
        self._until: datetime | None = None  # the same instant, for people

    def state(self) -> State:
        if self._ends_at is not None and self._monotonic() >= self._ends_at:
            log.info("control mode=%s ended; back to normal", self._mode.value)
            self._set(Mode.NORMAL, None)
        return State(self._mode, self._until)

    @property
    def mode(self) -> Mode:
        return self.state().mode

    def change(self, mode: Mode, seconds: float | None = None) -> State:
        """Enter ``mode`` for ``seconds`` (None: until changed). DROP changes nothing here: the
        server closes the connections; it is logged like any change."""
        log.info("control mode=%s seconds=%s", mode.value, seconds)
        if mode is not Mode.DROP:
            self._set(mode, seconds)
        return self.state()

    def _set(self, mode: Mode, seconds: float | None) -> None:
        self._mode = mode
        if seconds is None or mode is Mode.NORMAL:
            self._ends_at = None
            self._until = None
        else:
            self._ends_at = self._monotonic() + seconds
            self._until = self._wall() + timedelta(seconds=seconds)
