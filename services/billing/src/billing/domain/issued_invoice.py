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
from datetime import date, datetime, timedelta

from billing.domain import submission
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
from billing.domain.submission import (
    Action,
    AuthorizationAnswer,
    Message,
    Outcome,
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
    attempts: int = 0
    empty_polls: int = 0
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

    def submitting(self, now: datetime, policy: RetryPolicy) -> None:
        """About to send: written *before* the document leaves, so a crash or a timeout leaves
        it in a state resolved by a query, never by a blind resend."""
        if self.next_action != Action.SEND:
            raise ValueError(f"an invoice in state {self.state} is not sent")
        # Not due again before the call has surely timed out: then the next step is a query.
        wait = policy.backoff(self.attempts)
        self.state = State.SUBMITTING
        self.attempts += 1
        self.next_attempt_at = now + timedelta(seconds=policy.timeout_seconds) + wait
        self.updated_at = now
        self.history.append(HistoryEntry(State.SUBMITTING, now))

    def reception_answered(
        self, answer: ReceptionAnswer, now: datetime, policy: RetryPolicy
    ) -> None:
        """validarComprobante answered RECIBIDA or DEVUELTA."""
        outcome = submission.after_reception(answer.status, answer.messages)
        self._apply(outcome, answer.status, now, policy)

    def authorizations_answered(
        self, answers: Sequence[AuthorizationAnswer], now: datetime, policy: RetryPolicy
    ) -> AuthorizationAnswer | None:
        """autorizacionComprobante answered (possibly with nothing for our key).

        Returns the authorization when it is AUTORIZADO: its record must be kept.
        """
        outcome = submission.after_authorizations(
            self.state, answers, self.empty_polls, policy.empty_polls_before_resend
        )
        chosen = answers[outcome.chosen] if outcome.chosen is not None else None
        if outcome.state == State.AUTHORIZED and chosen is not None:
            self._authorized(chosen, now)
            return chosen
        status = chosen.status if chosen else None
        self._apply(outcome, status, now, policy, empty=not answers)
        return None

    def unanswered(self, now: datetime, policy: RetryPolicy) -> None:
        """No answer (or an error of ours): same state, next try after a backoff."""
        self._apply(submission.after_no_answer(self.state), None, now, policy)

    def corrected(self, factura: Invoice, holder: InvoiceHolder, now: datetime) -> None:
        """The operator fixed what SRI refused: ``factura`` is this invoice rebuilt from the
        current account and issuer data with the same clave de acceso, secuencial, fechaEmision
        and lines (REFERENCE §9, sheet §5.10/§5.12). It is signed again and goes back to
        ``signed``, so the submitter sends it like a new one; InvoiceCorrected says so."""
        if self.state not in submission.REJECTED:
            raise NotRejected(f"an invoice in state {self.state} is not corrected")
        if factura.access_key != self.access_key:
            raise ClaveWouldChange(f"{factura.access_key} is not {self.access_key}")
        previous, messages = self.state, self.sri_messages
        self.factura, self.holder = factura, holder
        self.state, self.updated_at = State.SIGNED, now
        self.attempts, self.empty_polls, self.next_attempt_at = 0, 0, now
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

    def _apply(
        self,
        outcome: Outcome,
        sri_status: str | None,
        now: datetime,
        policy: RetryPolicy,
        *,
        empty: bool = False,
    ) -> None:
        self.state, self.updated_at = outcome.state, now
        if outcome.messages:
            self.sri_messages = outcome.messages
        if outcome.state in submission.TERMINAL:
            self.next_attempt_at = None
        elif outcome.retry:
            self.next_attempt_at = now + policy.backoff(self.attempts)
            self.attempts += 1
        else:
            self.next_attempt_at = now
        if outcome.state == State.IN_PROCESS and empty:
            self.empty_polls += 1
        elif outcome.state == State.SIGNED:
            self.empty_polls = 0
        if outcome.state in submission.REJECTED:
            self.events.append(self._rejected(outcome, sri_status or outcome.state.value))
        self.history.append(HistoryEntry(outcome.state, now, sri_status, with_status=True))

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

    def _rejected(self, outcome: Outcome, sri_status: str) -> InvoiceRejected:
        return InvoiceRejected(
            invoice_id=self.invoice_id,
            account_id=self.account_id,
            period=self.period,
            number=self.number,
            access_key=self.access_key,
            state=outcome.state,
            sri_status=sri_status,
            messages=outcome.messages,
        )
