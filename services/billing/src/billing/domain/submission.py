"""SRI submission as an explicit state machine (docs/sri.md §5).

    signed ──send──▶ submitting ──RECIBIDA, DEVUELTA 43/70──▶ received ──query──▶ authorized
      ▲                  ├──DEVUELTA (other)──▶ returned                   ├──▶ not_authorized
      │                  └──no answer (timeout, 5xx)──▶ submitting         └──▶ in_process ──▶ …
      └──── SRI has no record of the key (sri_polling.py): never a blind resend

``submitting`` is written before the document leaves, so a crash or a timeout at any instant leaves
an invoice whose fate is unknown in a state that is resolved by asking Autorización; only an answer
that SRI has no such key sends it again. When to query and when to send again is the polling
policy of ``sri_polling.py``. Functions here decide; the caller performs the I/O.
"""

import random
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


def backoff(
    attempt: int,
    base_seconds: float,
    max_seconds: float,
    rng: random.Random | None = None,
    jitter: float = 0.2,
) -> timedelta:
    """Exponential backoff with ±``jitter`` (20 %): base, 2·base, 4·base, … capped at max."""
    delay = min(base_seconds * 2 ** min(max(attempt, 0), 64), max_seconds)
    return timedelta(seconds=delay * (rng or random).uniform(1 - jitter, 1 + jitter))


def due_at(now: datetime, attempt: int, base_seconds: float, max_seconds: float) -> datetime:
    return now + backoff(attempt, base_seconds, max_seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between SRI steps (settings: SRI_*; docs/sri.md §5, §9 "Polling")."""

    # Unanswered calls (timeout, 5xx: SRI or the network is down): base, 2·base, … up to max.
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    # How long a submission may take: not due again before the call has surely timed out.
    timeout_seconds: float = 10.0
    # After SRI took it (RECIBIDA, 43, 70): the wait before the first authorization query...
    first_query_delay_seconds: float = 3.0
    # ...then undecided answers (EN PROCESO, nothing listed) back off from base_seconds up to
    # this: SRI may take up to 24 hours to decide.
    poll_max_seconds: float = 86400.0
    # RECIBIDA but never listed by Autorización for this long: SRI lost it, send it again.
    resend_after_seconds: float = 86400.0
    jitter: float = 0.2
    rng: random.Random | None = None

    def backoff(self, attempt: int) -> timedelta:
        """The wait after the ``attempt``-th unanswered call or send."""
        return backoff(attempt, self.base_seconds, self.max_seconds, self.rng, self.jitter)

    def poll_wait(self, polls: int) -> timedelta:
        """The wait after the ``polls``-th undecided authorization answer."""
        return backoff(polls, self.base_seconds, self.poll_max_seconds, self.rng, self.jitter)

    @property
    def first_query_delay(self) -> timedelta:
        return timedelta(seconds=self.first_query_delay_seconds)

    @property
    def resend_after(self) -> timedelta:
        return timedelta(seconds=self.resend_after_seconds)
