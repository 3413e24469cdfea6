"""Fault modes: timed ones end by themselves, drop is a one-shot."""

from datetime import UTC, datetime

from smsc_simulator.control import Controls, Mode

START = datetime(2025, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def controls(clock: Clock) -> Controls:
    return Controls(monotonic=clock, wall=lambda: START)


def test_a_timed_mode_lasts_its_seconds_then_is_normal() -> None:
    clock = Clock()
    ctl = controls(clock)
    state = ctl.change(Mode.THROTTLE, 5)
    assert state.mode is Mode.THROTTLE
    assert state.as_json() == {"mode": "throttle", "until": "2025-01-01T00:00:05.000+00:00"}
    clock.now += 4.9
    assert ctl.mode is Mode.THROTTLE
    clock.now += 0.1
    assert ctl.mode is Mode.NORMAL
    assert ctl.state().as_json() == {"mode": "normal", "until": None}


def test_a_mode_without_seconds_lasts_until_normal() -> None:
    clock = Clock()
    ctl = controls(clock)
    ctl.change(Mode.REFUSE_BINDS)
    clock.now += 10_000
    assert ctl.state().as_json() == {"mode": "refuse_binds", "until": None}
    assert ctl.change(Mode.NORMAL).mode is Mode.NORMAL


def test_drop_keeps_the_current_mode() -> None:
    clock = Clock()
    ctl = controls(clock)
    ctl.change(Mode.THROTTLE, 60)
    assert ctl.change(Mode.DROP).mode is Mode.THROTTLE
    assert ctl.change(Mode.DROP).until is not None


def test_a_new_mode_replaces_the_old_one_and_its_end() -> None:
    clock = Clock()
    ctl = controls(clock)
    ctl.change(Mode.THROTTLE, 1)
    ctl.change(Mode.REFUSE_BINDS)
    clock.now += 2
    assert ctl.mode is Mode.REFUSE_BINDS
