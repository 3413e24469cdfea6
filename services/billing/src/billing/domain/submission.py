"""SRI submission as an explicit state machine (docs/sri.md §5).

    signed ──send──▶ submitting ──RECIBIDA──▶ received ──query──▶ authorized
                         │   └──DEVUELTA 43/70──▶ received        ├──▶ not_authorized
                         ├──DEVUELTA (other)──▶ returned          └──▶ in_process ──query──▶ …
                         └──no answer (timeout, 5xx)──▶ submitting: query first, no blind resend

``submitting`` is written before the document leaves, so a crash or a timeout at any instant leaves
an invoice whose fate is unknown in a state that is resolved by asking Autorización; only an answer
that SRI has no such key sends it again. Functions here decide; the caller performs the I/O.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class State(StrEnum):
    SIGNED = "signed"
    SUBMITTING = "submitting"
    RECEIVED = "received"
    IN_PROCESS = "in_process"
    AUTHORIZED = "authorized"
    NOT_AUTHORIZED = "not_authorized"
    RETURNED = "returned"


class SriNoAnswer(Exception):
    """No usable answer from SRI (timeout, connection, HTTP 5xx, SOAP Fault): outcome UNKNOWN.

    SRI may hold the document: query Autorización before sending it again.
    """


class Action(StrEnum):
    SEND = "send"
    QUERY = "query"
    NONE = "none"


TERMINAL = frozenset({State.AUTHORIZED, State.NOT_AUTHORIZED, State.RETURNED})
REJECTED = frozenset({State.NOT_AUTHORIZED, State.RETURNED})
OPEN = frozenset(State) - TERMINAL
# DEVUELTA messages that mean "SRI has this key": resolve by querying, not a failure.
KEY_REGISTERED = "43"
KEY_IN_PROCESS = "70"


def public_status(state: State) -> str:
    """docs/api.md's invoice status."""
    if state == State.AUTHORIZED:
        return "authorized"
    return "rejected" if state in REJECTED else "pending"


def next_action(state: State) -> Action:
    if state == State.SIGNED:
        return Action.SEND
    if state in TERMINAL:
        return Action.NONE
    return Action.QUERY


@dataclass(frozen=True)
class Message:
    identifier: str
    message: str
    additional_info: str | None
    kind: str


@dataclass(frozen=True)
class ReceptionAnswer:
    status: str  # RECIBIDA | DEVUELTA
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class AuthorizationAnswer:
    status: str  # AUTORIZADO | NO AUTORIZADO | EN PROCESO
    messages: tuple[Message, ...] = ()
    number: str | None = None
    authorized_at: datetime | None = None  # tz-aware
    environment: str | None = None  # PRUEBAS | PRODUCCIÓN
    # SRI's <autorizacion> element as returned: the fiscal record, kept when AUTORIZADO.
    record: bytes = b""


@dataclass(frozen=True)
class Outcome:
    """Where an invoice goes next, and whether to try again later (``retry``)."""

    state: State
    retry: bool = False
    messages: tuple[Message, ...] = ()
    chosen: int | None = None  # index of the authorization that decided it


def after_reception(status: str, messages: Sequence[Message]) -> Outcome:
    """validarComprobante answered."""
    if status == "RECIBIDA":
        return Outcome(State.RECEIVED)
    identifiers = {m.identifier for m in messages}
    if identifiers & {KEY_REGISTERED, KEY_IN_PROCESS}:
        # SRI already has this key (perhaps from a submission whose answer we lost).
        return Outcome(State.RECEIVED, messages=tuple(messages))
    return Outcome(State.RETURNED, messages=tuple(messages))


def after_no_answer(state: State) -> Outcome:
    """Timeout, connection error, 5xx: nothing is known; ask again later, same state."""
    return Outcome(state, retry=True)


def after_authorizations(
    state: State, answers: Sequence[AuthorizationAnswer], empty_polls: int, max_empty_polls: int
) -> Outcome:
    """autorizacionComprobante answered with ``answers`` (possibly none) for our key.

    ``empty_polls`` counts previous empty answers while RECEIVED / IN_PROCESS.
    """
    for index, answer in enumerate(answers):
        if answer.status == "AUTORIZADO":  # several entries may come back: AUTORIZADO wins
            return Outcome(State.AUTHORIZED, messages=answer.messages, chosen=index)
    for answer in answers:
        if answer.status == "EN PROCESO":
            return Outcome(State.IN_PROCESS, retry=True, messages=answer.messages)
    if answers:
        latest = _latest(answers)
        return Outcome(State.NOT_AUTHORIZED, messages=answers[latest].messages, chosen=latest)
    if state == State.SUBMITTING:
        # SRI never got it: now (and only now) it is safe to send again.
        return Outcome(State.SIGNED)
    if empty_polls + 1 >= max_empty_polls:
        # Received but never listed: re-send; SRI answers 43 if it has it after all.
        return Outcome(State.SIGNED)
    return Outcome(State.IN_PROCESS, retry=True)


def _latest(answers: Sequence[AuthorizationAnswer]) -> int:
    """The refusal SRI decided last (by fechaAutorizacion; the order SRI lists attempts in is
    not documented): after a correction refused again, its messages, not the first attempt's.
    Without dates, the last listed."""
    dated = [(a.authorized_at, i) for i, a in enumerate(answers) if a.authorized_at is not None]
    return max(dated)[1] if dated else len(answers) - 1


def backoff(
    attempt: int, base_seconds: float, max_seconds: float, rng: random.Random | None = None
) -> timedelta:
    """Exponential backoff with ±20 % jitter: base, 2·base, 4·base, … capped at max."""
    delay = min(base_seconds * 2 ** max(attempt, 0), max_seconds)
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=delay * jitter)


def due_at(now: datetime, attempt: int, base_seconds: float, max_seconds: float) -> datetime:
    return now + backoff(attempt, base_seconds, max_seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between SRI steps (settings: SRI_RETRY_*, SRI_TIMEOUT_SECONDS, ...)."""

    base_seconds: float = 2.0
    max_seconds: float = 300.0
    # After RECEIVED, this many empty authorization answers, then send again.
    empty_polls_before_resend: int = 5
    # How long a submission may take: not due again before the call has surely timed out.
    timeout_seconds: float = 10.0
    rng: random.Random | None = None

    def backoff(self, attempt: int) -> timedelta:
        return backoff(attempt, self.base_seconds, self.max_seconds, self.rng)
