"""The SRI submission state machine (docs/sri.md §5): pure decisions, every path."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from billing.domain.submission import (
    TERMINAL,
    Action,
    AuthorizationAnswer,
    Message,
    State,
    after_authorizations,
    after_no_answer,
    after_reception,
    backoff,
    next_action,
    public_status,
)

REGISTERED = Message("43", "CLAVE ACCESO REGISTRADA", None, "ERROR")
IN_PROCESSING = Message("70", "CLAVE DE ACCESO EN PROCESAMIENTO", None, "ERROR")
BAD_XML = Message("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", "detalle", "ERROR")
BAD_SIGNATURE = Message("39", "FIRMA INVALIDA", None, "ERROR")


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


def test_recibida_is_received() -> None:
    assert after_reception("RECIBIDA", []).state == State.RECEIVED


@pytest.mark.parametrize("message", [REGISTERED, IN_PROCESSING])
def test_devuelta_with_43_or_70_is_resolved_by_querying(message: Message) -> None:
    outcome = after_reception("DEVUELTA", [message])
    assert outcome.state == State.RECEIVED
    assert next_action(outcome.state) == Action.QUERY


def test_devuelta_for_any_other_reason_is_returned_with_sri_messages() -> None:
    outcome = after_reception("DEVUELTA", [BAD_XML])
    assert outcome.state == State.RETURNED
    assert outcome.messages == (BAD_XML,)


@pytest.mark.parametrize("state", [State.SUBMITTING, State.RECEIVED, State.IN_PROCESS])
def test_no_answer_keeps_the_state_and_retries(state: State) -> None:
    outcome = after_no_answer(state)
    assert outcome.state == state and outcome.retry and not outcome.messages


def test_authorized_wins_over_other_entries() -> None:
    answers = [
        AuthorizationAnswer("NO AUTORIZADO", (BAD_SIGNATURE,)),
        AuthorizationAnswer("AUTORIZADO"),
    ]
    outcome = after_authorizations(State.RECEIVED, answers, 0, 5)
    assert outcome.state == State.AUTHORIZED and outcome.chosen == 1


def test_en_proceso_polls_again() -> None:
    outcome = after_authorizations(State.RECEIVED, [AuthorizationAnswer("EN PROCESO")], 0, 5)
    assert outcome.state == State.IN_PROCESS and outcome.retry


def test_no_autorizado_is_final_with_its_messages() -> None:
    answers = [AuthorizationAnswer("NO AUTORIZADO", (BAD_SIGNATURE,))]
    outcome = after_authorizations(State.IN_PROCESS, answers, 0, 5)
    assert outcome.state == State.NOT_AUTHORIZED
    assert outcome.messages == (BAD_SIGNATURE,)


@pytest.mark.parametrize("newest_first", [True, False])
def test_a_correction_refused_again_reports_the_latest_refusal(newest_first: bool) -> None:
    first = AuthorizationAnswer(
        "NO AUTORIZADO", (BAD_SIGNATURE,), authorized_at=datetime(2026, 12, 1, 10, tzinfo=UTC)
    )
    again = AuthorizationAnswer(
        "NO AUTORIZADO", (BAD_XML,), authorized_at=datetime(2026, 12, 1, 11, tzinfo=UTC)
    )
    answers = [again, first] if newest_first else [first, again]
    outcome = after_authorizations(State.RECEIVED, answers, 0, 5)
    assert outcome.state == State.NOT_AUTHORIZED and outcome.messages == (BAD_XML,)
    assert outcome.chosen == answers.index(again)


def test_unknown_key_after_an_unanswered_submission_is_sent_again() -> None:
    # The only path back to SIGNED from SUBMITTING: SRI said it does not have the key.
    assert after_authorizations(State.SUBMITTING, [], 0, 5).state == State.SIGNED


def test_received_but_not_yet_listed_is_polled_then_resent() -> None:
    first = after_authorizations(State.RECEIVED, [], 0, 3)
    assert first.state == State.IN_PROCESS and first.retry
    assert after_authorizations(State.IN_PROCESS, [], 1, 3).state == State.IN_PROCESS
    assert after_authorizations(State.IN_PROCESS, [], 2, 3).state == State.SIGNED


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [backoff(n, 2.0, 60.0, rng) for n in range(10)]
    assert timedelta(seconds=1.6) <= delays[0] <= timedelta(seconds=2.4)
    assert delays[3] > delays[1]
    assert all(d <= timedelta(seconds=72) for d in delays)
