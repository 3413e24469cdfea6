"""The SRI re-send policy (domain/sri_polling.py; docs/sri.md §5, §9 "Polling") as tables:
SRI's answers for one key, in order, → where the invoice is, what it does next and when, and how
many times it was sent. Each answer arrives when the previous step was due."""

from datetime import UTC, datetime, timedelta

import pytest

from billing.domain.sri_polling import (
    Heard,
    Step,
    Track,
    after,
    heard_at_authorization,
    heard_at_reception,
    sending,
)
from billing.domain.submission import (
    Action,
    AuthorizationAnswer,
    Message,
    RetryPolicy,
    State,
)

T0 = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
HOUR, DAY = 3600.0, 86400.0
# No jitter, so every wait is exact; the production defaults otherwise.
POLICY = RetryPolicy(jitter=0.0)
SMALL = RetryPolicy(
    base_seconds=1.0,
    max_seconds=60.0,
    timeout_seconds=10.0,
    first_query_delay_seconds=5.0,
    poll_max_seconds=HOUR,
    resend_after_seconds=2 * HOUR,
    jitter=0.0,
)

RECIBIDA, R43, R70 = Heard.RECIBIDA, Heard.REGISTERED, Heard.IN_PROCESSING
EN_PROCESO, EMPTY, NONE = Heard.EN_PROCESO, Heard.NO_RECORD, Heard.NO_ANSWER
AUTORIZADO, NO_AUTORIZADO, DEVUELTA = Heard.AUTORIZADO, Heard.NO_AUTORIZADO, Heard.DEVUELTA


def play(policy: RetryPolicy, *heard: Heard) -> tuple[Step, datetime, int]:
    """Send at T0, then hear each answer when the previous step is due (sending again whenever
    the policy says so). The last step, when it was taken, and how many sends there were."""
    now, sends = T0, 1
    step = sending(Track(), now, policy)
    for answer in heard:
        assert step.at is not None, f"{answer} heard after a final step"
        now = step.at
        step = after(step.state, answer, step.track, now, policy)
        if step.action == Action.SEND:
            now, sends = step.at or now, sends + 1
            step = sending(step.track, now, policy)
    return step, now, sends


def wait(step: Step, now: datetime) -> float | None:
    return None if step.at is None else (step.at - now).total_seconds()


# (case, answers, state, action, seconds until the next action, sends)
TABLE = [
    ("sent, no answer yet: query after the timeout", (), State.SUBMITTING, Action.QUERY, None, 1),
    ("RECIBIDA: first query after the delay", (RECIBIDA,), State.RECEIVED, Action.QUERY, 3, 1),
    ("RECIBIDA, AUTORIZADO", (RECIBIDA, AUTORIZADO), State.AUTHORIZED, Action.NONE, None, 1),
    (
        "RECIBIDA, NO AUTORIZADO",
        (RECIBIDA, NO_AUTORIZADO),
        State.NOT_AUTHORIZED,
        Action.NONE,
        None,
        1,
    ),
    ("DEVUELTA (35)", (DEVUELTA,), State.RETURNED, Action.NONE, None, 1),
    ("RECIBIDA, EN PROCESO", (RECIBIDA, EN_PROCESO), State.IN_PROCESS, Action.QUERY, 2, 1),
    (
        "RECIBIDA, EN PROCESO ×5: the poll backs off",
        (RECIBIDA,) + (EN_PROCESO,) * 5,
        State.IN_PROCESS,
        Action.QUERY,
        32,
        1,
    ),
    (
        "RECIBIDA, EN PROCESO ×30: never sent again, polled at most daily",
        (RECIBIDA,) + (EN_PROCESO,) * 30,
        State.IN_PROCESS,
        Action.QUERY,
        DAY,
        1,
    ),
    (
        "RECIBIDA, EN PROCESO ×30, AUTORIZADO",
        (RECIBIDA,) + (EN_PROCESO,) * 30 + (AUTORIZADO,),
        State.AUTHORIZED,
        Action.NONE,
        None,
        1,
    ),
    (
        "RECIBIDA, nothing listed: polled, not sent",
        (RECIBIDA, EMPTY),
        State.IN_PROCESS,
        Action.QUERY,
        2,
        1,
    ),
    (
        "RECIBIDA, nothing listed ×16 (about 18 h): polled by the 24 h deadline",
        (RECIBIDA,) + (EMPTY,) * 16,
        State.IN_PROCESS,
        Action.QUERY,
        DAY - (3 + 2**16 - 2),  # heard 3 s + 2 + 4 + … + 2**15 s after RECIBIDA
        1,
    ),
    (
        "RECIBIDA, nothing listed ×17 (24 h): sent again",
        (RECIBIDA,) + (EMPTY,) * 17,
        State.SUBMITTING,
        Action.QUERY,
        None,
        2,
    ),
    (
        "… SRI had it after all: 43, then AUTORIZADO",
        (RECIBIDA,) + (EMPTY,) * 17 + (R43, AUTORIZADO),
        State.AUTHORIZED,
        Action.NONE,
        None,
        2,
    ),
    ("DEVUELTA 70: queried after the delay", (R70,), State.RECEIVED, Action.QUERY, 3, 1),
    (
        "DEVUELTA 70, nothing listed ×40: never sent again",
        (R70,) + (EMPTY,) * 40,
        State.IN_PROCESS,
        Action.QUERY,
        DAY,
        1,
    ),
    (
        "DEVUELTA 70, nothing listed ×40, AUTORIZADO",
        (R70,) + (EMPTY,) * 40 + (AUTORIZADO,),
        State.AUTHORIZED,
        Action.NONE,
        None,
        1,
    ),
    (
        "RECIBIDA, EN PROCESO, nothing listed ×40: SRI had it, never sent again",
        (RECIBIDA, EN_PROCESO) + (EMPTY,) * 40,
        State.IN_PROCESS,
        Action.QUERY,
        DAY,
        1,
    ),
    ("DEVUELTA 43: query, not a failure", (R43,), State.RECEIVED, Action.QUERY, 3, 1),
    (
        "DEVUELTA 43, nothing listed ×40: never sent again",
        (R43,) + (EMPTY,) * 40,
        State.IN_PROCESS,
        Action.QUERY,
        DAY,
        1,
    ),
    (
        "no answer to the send, nothing listed: SRI never got it, sent again",
        (NONE, EMPTY),
        State.SUBMITTING,
        Action.QUERY,
        None,
        2,
    ),
    (
        "no answer to the send, EN PROCESO: SRI got it, polled",
        (NONE, EN_PROCESO),
        State.IN_PROCESS,
        Action.QUERY,
        2,
        1,
    ),
    (
        "no answer to the send, EN PROCESO, nothing listed ×30: never sent again",
        (NONE, EN_PROCESO) + (EMPTY,) * 30,
        State.IN_PROCESS,
        Action.QUERY,
        DAY,
        1,
    ),
    (
        "no answer ×3 to the query: retried within minutes",
        (NONE, NONE, NONE),
        State.SUBMITTING,
        Action.QUERY,
        16,
        1,
    ),
    (
        "no answer ×20: the retry is capped at 5 minutes",
        (NONE,) * 20,
        State.SUBMITTING,
        Action.QUERY,
        300,
        1,
    ),
    (
        "RECIBIDA, SRI down while polling: the retry backoff, not the poll's",
        (RECIBIDA, NONE),
        State.RECEIVED,
        Action.QUERY,
        4,
        1,
    ),
    (
        "RECIBIDA, nothing listed, no answer, nothing listed: polled, not sent",
        (RECIBIDA, EMPTY, NONE, EMPTY),
        State.IN_PROCESS,
        Action.QUERY,
        4,
        1,
    ),
]


@pytest.mark.parametrize(
    ("answers", "state", "action", "seconds", "sends"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_policy(
    answers: tuple[Heard, ...], state: State, action: Action, seconds: float | None, sends: int
) -> None:
    step, now, sent = play(POLICY, *answers)
    assert (step.state, step.action, sent) == (state, action, sends)
    if seconds is not None:
        assert wait(step, now) == seconds
    elif step.state == State.SUBMITTING:
        # Not queried before the call has surely timed out, plus the retry backoff.
        assert step.at is not None and step.at - now >= timedelta(seconds=10)
    else:
        assert step.at is None


def test_the_resend_waits_are_settings() -> None:
    """A shorter resend_after sends again sooner, and never before it: each poll before it is
    due no later than the deadline (capped), and the send happens at the deadline."""
    answers = (RECIBIDA,) + (EMPTY,) * 30
    now, sends, step = T0, 1, sending(Track(), T0, SMALL)
    received_at = None
    for answer in answers:
        assert step.at is not None
        now = step.at
        step = after(step.state, answer, step.track, now, SMALL)
        received_at = received_at or step.track.received_at
        if step.action == Action.SEND:
            sends += 1
            break
        assert step.at is not None and received_at is not None
        assert step.at - received_at <= timedelta(hours=2)
    assert sends == 2 and received_at is not None
    assert now - received_at == timedelta(hours=2)


def test_a_document_received_before_the_policy_starts_its_wait_at_the_first_empty_answer() -> None:
    """An invoice stored as received without received_at (kept from before): not re-sent at
    once, its 24 h start now."""
    step = after(State.RECEIVED, EMPTY, Track(attempts=3), T0, POLICY)
    assert step.state == State.IN_PROCESS and step.track.received_at == T0
    assert step.action == Action.QUERY


def test_an_unanswered_step_of_a_signed_invoice_is_a_send_later() -> None:
    step = after(State.SIGNED, NONE, Track(attempts=1), T0, POLICY)
    assert step.state == State.SIGNED and step.action == Action.SEND
    assert step.at == T0 + timedelta(seconds=4)


def test_sending_again_forgets_what_sri_said_of_the_earlier_transmission() -> None:
    """A rejected document corrected and sent again with the same clave: SRI's earlier 43/70
    and polls no longer hold."""
    earlier = Track(attempts=2, polls=7, received_at=T0, sri_has_key=True)
    step = sending(earlier, T0, POLICY)
    assert step.track == Track(attempts=3, polls=0, received_at=T0, sri_has_key=False)
    assert step.at == T0 + timedelta(seconds=10 + 8)


# -- what SRI's answers mean ------------------------------------------------------------------

REGISTERED = Message("43", "CLAVE ACCESO REGISTRADA", None, "ERROR")
IN_PROCESSING = Message("70", "CLAVE DE ACCESO EN PROCESAMIENTO", None, "ERROR")
BAD_XML = Message("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", "detalle", "ERROR")
BAD_SIGNATURE = Message("39", "FIRMA INVALIDA", None, "ERROR")

RECEPTIONS = [
    ("RECIBIDA", (), RECIBIDA),
    ("DEVUELTA", (REGISTERED,), R43),
    ("DEVUELTA", (IN_PROCESSING,), R70),
    ("DEVUELTA", (REGISTERED, IN_PROCESSING), R70),
    ("DEVUELTA", (BAD_XML,), DEVUELTA),
    ("DEVUELTA", (), DEVUELTA),
]


@pytest.mark.parametrize(("status", "messages", "heard"), RECEPTIONS)
def test_reception_answers(status: str, messages: tuple[Message, ...], heard: Heard) -> None:
    assert heard_at_reception(status, messages) == heard


def entries(*statuses: str) -> list[AuthorizationAnswer]:
    return [
        AuthorizationAnswer(s, (BAD_SIGNATURE,) if s == "NO AUTORIZADO" else ()) for s in statuses
    ]


AUTHORIZATIONS = [
    ((), EMPTY, None),
    (("AUTORIZADO",), AUTORIZADO, 0),
    (("NO AUTORIZADO", "AUTORIZADO"), AUTORIZADO, 1),
    (("NO AUTORIZADO", "EN PROCESO", "AUTORIZADO"), AUTORIZADO, 2),
    (("NO AUTORIZADO", "EN PROCESO"), EN_PROCESO, 1),
    (("EN PROCESO",), EN_PROCESO, 0),
    (("NO AUTORIZADO",), NO_AUTORIZADO, 0),
    (("NO AUTORIZADO", "NO AUTORIZADO"), NO_AUTORIZADO, 1),
]


@pytest.mark.parametrize(("statuses", "heard", "index"), AUTHORIZATIONS)
def test_authorization_answers(statuses: tuple[str, ...], heard: Heard, index: int | None) -> None:
    assert heard_at_authorization(entries(*statuses)) == (heard, index)
