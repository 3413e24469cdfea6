"""An issued invoice on its way through SRI: the aggregate the submitter moves (docs/sri.md §5).

Its fiscal content was fixed when it was numbered and signed; what changes is its SRI state.
Each method applies the state machine of ``submission.py`` to one step — about to send, SRI's
answer to the submission, its answer to an authorization query, or no answer at all — and
records what happened: the history entry and, when SRI decided, InvoiceIssued or
InvoiceRejected. The store writes all of it in one compare-and-set on ``version``, so a step is
applied once even if two workers look at the same invoice.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from billing.domain import sri_polling, submission
from billing.domain.events import (
    InvoiceAuthorization,
    InvoiceCorrected,
    InvoiceEvent,
    InvoiceHolder,
    InvoiceIssued,
    InvoiceRejected,
    InvoiceTotals,
    StatementSummary,
)
from billing.domain.invoice import Invoice
from billing.domain.sri_polling import Heard, Step, Track
from billing.domain.submission import (
    Action,
    AuthorizationAnswer,
    Message,
    ReceptionAnswer,
    RetryPolicy,
    State,
)


class NotRejected(ValueError):
    """Only an invoice SRI refused (returned, not_authorized) is corrected."""


class ClaveWouldChange(ValueError):
    """The corrected factura would have another clave de acceso (the issuer's RUC, ambiente,
    establishment or emission point changed): SRI takes a correction only under the same one."""


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the invoice's audit trail (its SRI answer, when the step had one)."""

    state: State
    at: datetime
    sri_status: str | None = None
    # Steps driven by an answer (or its absence) record the status, even when it is None.
    with_status: bool = False


@dataclass
class IssuedInvoice:
    invoice_id: str  # "<ruc>-<estab>-<pto>-<secuencial>": the claim on the secuencial
    number: str  # 001-001-000000123
    account_id: str
    period: str
    access_key: str
    issue_date: date
    holder: InvoiceHolder
    lines: tuple[str, ...]  # the E.164 numbers billed
    totals: InvoiceTotals
    statement: StatementSummary
    bill_run_id: str | None = None
    state: State = State.SIGNED
    # What it remembers of SRI between steps (sri_polling.Track).
    attempts: int = 0
    polls: int = 0
    received_at: datetime | None = None
    sri_has_key: bool = False
    # When an operator last corrected it: SRI's refusals dated before belong to old versions.
    corrected_at: datetime | None = None
    next_attempt_at: datetime | None = None
    sri_messages: tuple[Message, ...] = ()
    authorization: InvoiceAuthorization | None = None
    version: int = 1
    updated_at: datetime | None = None
    # The factura itself, when it was read (one invoice's detail; re-signing).
    factura: Invoice | None = None
    # Written with the next save, then cleared.
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[InvoiceEvent] = field(default_factory=list)

    @property
    def public_status(self) -> str:
        """docs/api.md's status: authorized, rejected or pending."""
        return submission.public_status(self.state)

    @property
    def next_action(self) -> Action:
        return submission.next_action(self.state)

    def snapshot(self) -> "IssuedInvoice":
        """This invoice as loaded, to fall back to if a step fails half-way."""
        return replace(self, history=[], events=[])

    @property
    def track(self) -> Track:
        return Track(self.attempts, self.polls, self.received_at, self.sri_has_key)

    def submitting(self, now: datetime, policy: RetryPolicy) -> None:
        """About to send: written *before* the document leaves, so a crash or a timeout leaves
        it in a state resolved by a query, never by a blind resend."""
        if self.next_action != Action.SEND:
            raise ValueError(f"an invoice in state {self.state} is not sent")
        # Not due again before the call has surely timed out: then the next step is a query.
        self._step(sri_polling.sending(self.track, now, policy), now)
        self.history.append(HistoryEntry(State.SUBMITTING, now))

    def reception_answered(
        self, answer: ReceptionAnswer, now: datetime, policy: RetryPolicy
    ) -> None:
        """validarComprobante answered RECIBIDA or DEVUELTA."""
        heard = sri_polling.heard_at_reception(answer.status, answer.messages)
        step = sri_polling.after(self.state, heard, self.track, now, policy)
        self._apply(step, answer.status, tuple(answer.messages), now)

    def authorizations_answered(
        self, answers: Sequence[AuthorizationAnswer], now: datetime, policy: RetryPolicy
    ) -> AuthorizationAnswer | None:
        """autorizacionComprobante answered (possibly with nothing for our key).

        Returns the authorization when it is AUTORIZADO: its record must be kept.
        """
        answers = sri_polling.since(answers, self.corrected_at)
        heard, index = sri_polling.heard_at_authorization(answers)
        chosen = answers[index] if index is not None else None
        step = sri_polling.after(self.state, heard, self.track, now, policy)
        if step.state == State.AUTHORIZED and chosen is not None:
            self._step(step, now)
            self._authorized(chosen, now)
            return chosen
        # Only a decision has a status to record (SRI keeps none for EN PROCESO).
        status = chosen.status if chosen and heard == Heard.NO_AUTORIZADO else None
        self._apply(step, status, chosen.messages if chosen else (), now)
        return None

    def unanswered(self, now: datetime, policy: RetryPolicy) -> None:
        """No answer (or an error of ours): same state, next try after a backoff."""
        step = sri_polling.after(self.state, Heard.NO_ANSWER, self.track, now, policy)
        self._apply(step, None, (), now)

    def corrected(self, factura: Invoice, holder: InvoiceHolder, now: datetime) -> None:
        """The operator fixed what SRI refused: ``factura`` is this invoice rebuilt from the
        current account and issuer data with the same clave de acceso, secuencial, fechaEmision
        and lines (docs/sri.md §9, sheet §5.10/§5.12). It is signed again and goes back to
        ``signed``, so the submitter sends it like a new one; InvoiceCorrected says so."""
        if self.state not in submission.REJECTED:
            raise NotRejected(f"an invoice in state {self.state} is not corrected")
        if factura.access_key != self.access_key:
            raise ClaveWouldChange(f"{factura.access_key} is not {self.access_key}")
        previous, messages = self.state, self.sri_messages
        self.factura, self.holder = factura, holder
        self.state, self.updated_at = State.SIGNED, now
        self.attempts, self.polls, self.next_attempt_at = 0, 0, now
        self.received_at, self.sri_has_key, self.corrected_at = None, False, now
        self.sri_messages, self.authorization = (), None
        self.history.append(HistoryEntry(State.SIGNED, now))
        self.events.append(
            InvoiceCorrected(
                invoice_id=self.invoice_id,
                account_id=self.account_id,
                period=self.period,
                number=self.number,
                access_key=self.access_key,
                previous_state=previous,
                messages=messages,
                corrected_at=now,
            )
        )

    def _authorized(self, answer: AuthorizationAnswer, now: datetime) -> None:
        self.authorization = InvoiceAuthorization(
            number=answer.number or self.access_key,
            authorized_at=answer.authorized_at or now,
            environment=answer.environment,
        )
        self.state = State.AUTHORIZED
        self.sri_messages = answer.messages
        self.next_attempt_at = None
        self.updated_at = now
        self.history.append(HistoryEntry(State.AUTHORIZED, now))
        self.events.append(self._issued(self.authorization, answer.record))

    def _step(self, step: Step, now: datetime) -> None:
        """Where the polling policy sends it, and when it is due."""
        self.state, self.next_attempt_at, self.updated_at = step.state, step.at, now
        track = step.track
        self.attempts, self.polls = track.attempts, track.polls
        self.received_at, self.sri_has_key = track.received_at, track.sri_has_key

    def _apply(
        self, step: Step, sri_status: str | None, messages: tuple[Message, ...], now: datetime
    ) -> None:
        self._step(step, now)
        if messages:
            self.sri_messages = messages
        if step.state in submission.REJECTED:
            status = sri_status or step.state.value
            self.events.append(self._rejected(step.state, status, messages))
        self.history.append(HistoryEntry(step.state, now, sri_status, with_status=True))

    def _issued(self, authorization: InvoiceAuthorization, record: bytes) -> InvoiceIssued:
        return InvoiceIssued(
            invoice_id=self.invoice_id,
            account_id=self.account_id,
            period=self.period,
            number=self.number,
            access_key=self.access_key,
            issue_date=self.issue_date,
            authorization=authorization,
            holder=self.holder,
            lines=self.lines,
            totals=self.totals,
            statement=self.statement,
            authorized_xml_sha256=hashlib.sha256(record).hexdigest(),
            authorized_xml_size=len(record),
        )

    def _rejected(
        self, state: State, sri_status: str, messages: tuple[Message, ...]
    ) -> InvoiceRejected:
        return InvoiceRejected(
            invoice_id=self.invoice_id,
            account_id=self.account_id,
            period=self.period,
            number=self.number,
            access_key=self.access_key,
            state=state,
            sri_status=sri_status,
            messages=messages,
        )
