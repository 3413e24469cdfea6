"""The SRI submission state machine (docs/sri.md §5): pure decisions, every path."""

import random
from datetime import timedelta

from billing.domain.submission import (
    TERMINAL,
    Action,
    RetryPolicy,
    State,
    backoff,
    next_action,
    public_status,
)


def test_only_a_signed_invoice_is_sent_everything_open_is_queried() -> None:
    assert next_action(State.SIGNED) == Action.SEND
    for state in (State.SUBMITTING, State.RECEIVED, State.IN_PROCESS):
        assert next_action(state) == Action.QUERY
    for state in TERMINAL:
        assert next_action(state) == Action.NONE


def test_public_status() -> None:
    assert public_status(State.AUTHORIZED) == "authorized"
    assert public_status(State.RETURNED) == "rejected"
    assert public_status(State.NOT_AUTHORIZED) == "rejected"
    for state in (State.SIGNED, State.SUBMITTING, State.RECEIVED, State.IN_PROCESS):
        assert public_status(state) == "pending"


# What SRI's answers lead to, and when: test_sri_polling.py (the re-send policy as a table).


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [backoff(n, 2.0, 60.0, rng) for n in range(10)]
    assert timedelta(seconds=1.6) <= delays[0] <= timedelta(seconds=2.4)
    assert delays[3] > delays[1]
    assert all(d <= timedelta(seconds=72) for d in delays)


def test_polls_back_off_up_to_a_day_and_unanswered_calls_up_to_minutes() -> None:
    policy = RetryPolicy(jitter=0.0)
    assert policy.poll_wait(0) == timedelta(seconds=2)
    assert policy.poll_wait(40) == timedelta(hours=24)
    assert policy.backoff(40) == timedelta(minutes=5)
    assert policy.poll_wait(10**6) == timedelta(hours=24)  # no overflow, however long it waits
