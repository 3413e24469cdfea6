"""When billing asks SRI again, and when it sends a comprobante again (docs/sri.md §5).

SRI's guidance for the offline scheme (technical sheet v2.32 §7.4–7.5, §9.18; docs/sri.md §9
"Polling"): wait a while after RECIBIDA before the first authorization query; authorization may
take up to 24 hours; after error 70 (clave en procesamiento) never send again until SRI decides;
avoid needless re-sends. ``after`` is that policy as one pure table, from what SRI said (``Heard``)
and what the invoice remembers (``Track``) to where it goes and when it is due (``Step``):

    heard                 when                               → state           action, at
    AUTORIZADO            (any state)                        → authorized      none
    NO AUTORIZADO         (any state)                        → not_authorized  none
    DEVUELTA (not 43/70)  (any state)                        → returned        none
    RECIBIDA              (any state)                        → received        query, first delay
    DEVUELTA 43 or 70     SRI has the key                    → received        query, first delay
    EN PROCESO            SRI has the key                    → in_process      query, poll backoff
    no record             SRI said 43/70/EN PROCESO before   → in_process      query, poll backoff
    no record             submitting (never RECIBIDA)        → signed          send, now
    no record             RECIBIDA ≥ resend_after ago        → signed          send, now
    no record             RECIBIDA less long ago             → in_process      query, poll backoff
                                                                               (by the deadline)
    no answer             timeout, connection error, 5xx     → same state      same, retry backoff

The only ways back to ``signed`` are "SRI has no record of the key": SRI cannot answer 43 to a
document it never got, and a key it holds is never sent again (that is a needless re-send at best,
a duplicate at worst). A RECIBIDA document that Autorización never lists is the one case left:
SRI may take up to 24 hours to list it, so it is sent again only after ``resend_after_seconds``
(default 24 h, SRI's own bound) of silence; SRI answers 43 if it had it after all. Later than that
risks the transmission window (72 h, §9); sooner, a re-send SRI did not need.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from billing.domain.submission import (
    KEY_IN_PROCESS,
    KEY_REGISTERED,
    Action,
    AuthorizationAnswer,
    Message,
    RetryPolicy,
    State,
    next_action,
)


class Heard(StrEnum):
    """What SRI said about a key, reduced to what the policy needs."""

    RECIBIDA = "RECIBIDA"
    REGISTERED = "DEVUELTA 43"  # clave de acceso registrada
    IN_PROCESSING = "DEVUELTA 70"  # clave de acceso en procesamiento
    DEVUELTA = "DEVUELTA"  # for any other reason: the content is refused
    AUTORIZADO = "AUTORIZADO"
    NO_AUTORIZADO = "NO AUTORIZADO"
    EN_PROCESO = "EN PROCESO"
    NO_RECORD = "no record"  # Autorización listed nothing for the key
    NO_ANSWER = "no answer"  # timeout, connection error, HTTP 5xx, SOAP Fault: outcome unknown


@dataclass(frozen=True)
class Track:
    """What an invoice remembers of SRI between steps."""

    attempts: int = 0  # sends and unanswered calls: the transport backoff's exponent
    polls: int = 0  # undecided answers since SRI last took it: the poll backoff's exponent
    received_at: datetime | None = None  # when SRI last took it (RECIBIDA, 43, 70, EN PROCESO)
    sri_has_key: bool = False  # SRI said so (43, 70, EN PROCESO): never sent again


@dataclass(frozen=True)
class Step:
    """Where the invoice goes, and when its next action is due (None: nothing more to do)."""

    state: State
    at: datetime | None
    track: Track

    @property
    def action(self) -> Action:
        return next_action(self.state)


_DECIDED = {
    Heard.AUTORIZADO: State.AUTHORIZED,
    Heard.NO_AUTORIZADO: State.NOT_AUTHORIZED,
    Heard.DEVUELTA: State.RETURNED,
}


def heard_at_reception(status: str, messages: Sequence[Message]) -> Heard:
    """validarComprobante answered RECIBIDA or DEVUELTA."""
    if status == "RECIBIDA":
        return Heard.RECIBIDA
    identifiers = {m.identifier for m in messages}
    if KEY_IN_PROCESS in identifiers:  # the stricter of the two: never send again
        return Heard.IN_PROCESSING
    if KEY_REGISTERED in identifiers:
        return Heard.REGISTERED
    return Heard.DEVUELTA


def heard_at_authorization(answers: Sequence[AuthorizationAnswer]) -> tuple[Heard, int | None]:
    """autorizacionComprobante answered ``answers`` (possibly none) for one key: what it means,
    and the entry that says so (its record, status and messages are kept)."""
    for index, answer in enumerate(answers):
        if answer.status == "AUTORIZADO":  # several entries may come back: AUTORIZADO wins
            return Heard.AUTORIZADO, index
    for index, answer in enumerate(answers):
        if answer.status == "EN PROCESO":
            return Heard.EN_PROCESO, index
    if answers:
        return Heard.NO_AUTORIZADO, _latest(answers)
    return Heard.NO_RECORD, None


def _latest(answers: Sequence[AuthorizationAnswer]) -> int:
    """The refusal SRI decided last (by fechaAutorizacion: the order SRI lists attempts in is
    not documented), so a correction refused again reports its own messages, not the first
    attempt's. Without dates, the last listed."""
    dated = [(a.authorized_at, i) for i, a in enumerate(answers) if a.authorized_at is not None]
    return max(dated)[1] if dated else len(answers) - 1


def since(
    answers: Sequence[AuthorizationAnswer], corrected_at: datetime | None
) -> list[AuthorizationAnswer]:
    """The answers that can be about the current version of a document: after a correction
    (same clave, sheet §5.10), SRI still lists the refusals of the versions before it, and
    those must not refuse the corrected one again. A refusal dated before the correction is
    dropped; an undated one is kept (nothing says it is old)."""
    if corrected_at is None:
        return list(answers)
    return [
        a
        for a in answers
        if a.status != "NO AUTORIZADO" or a.authorized_at is None or a.authorized_at > corrected_at
    ]


def sending(track: Track, now: datetime, policy: RetryPolicy) -> Step:
    """About to send: ``submitting``, due for a query once the call has surely timed out."""
    at = now + timedelta(seconds=policy.timeout_seconds) + policy.backoff(track.attempts)
    # A new transmission: what SRI said about an earlier one (a rejected document corrected and
    # sent again) no longer holds.
    fresh = replace(track, attempts=track.attempts + 1, polls=0, sri_has_key=False)
    return Step(State.SUBMITTING, at, fresh)


def after(state: State, heard: Heard, track: Track, now: datetime, policy: RetryPolicy) -> Step:
    """Where an invoice in ``state`` goes once SRI answered ``heard`` (the module's table)."""
    if heard in _DECIDED:
        return Step(_DECIDED[heard], None, track)
    if heard == Heard.NO_ANSWER:
        wait = policy.backoff(track.attempts)
        return Step(state, now + wait, replace(track, attempts=track.attempts + 1))
    if heard in (Heard.RECIBIDA, Heard.REGISTERED, Heard.IN_PROCESSING):
        has_key = track.sri_has_key or heard != Heard.RECIBIDA
        taken = replace(track, polls=0, received_at=now, sri_has_key=has_key)
        return Step(State.RECEIVED, now + policy.first_query_delay, taken)
    if heard == Heard.EN_PROCESO:
        listed = replace(track, sri_has_key=True, received_at=track.received_at or now)
        return _poll(listed, now, policy)
    return _no_record(state, track, now, policy)


def _no_record(state: State, track: Track, now: datetime, policy: RetryPolicy) -> Step:
    if track.sri_has_key:
        return _poll(track, now, policy)  # after 43/70/EN PROCESO: wait for SRI's decision
    if state == State.SUBMITTING:
        return Step(State.SIGNED, now, track)  # SRI never got it: safe to send
    # RECIBIDA, never listed since. (An invoice received before received_at was kept starts
    # its wait now.)
    deadline = (track.received_at or now) + policy.resend_after
    if now >= deadline:
        return Step(State.SIGNED, now, track)  # SRI lost it: send again (43 if it had it)
    return _poll(replace(track, received_at=track.received_at or now), now, policy, deadline)


def _poll(
    track: Track, now: datetime, policy: RetryPolicy, deadline: datetime | None = None
) -> Step:
    at = now + policy.poll_wait(track.polls)
    if deadline is not None:
        at = min(at, deadline)
    return Step(State.IN_PROCESS, at, replace(track, polls=track.polls + 1))
