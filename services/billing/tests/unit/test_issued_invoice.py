"""The issued invoice on its way through SRI: every transition of the aggregate, what it records
(history) and raises (InvoiceIssued, InvoiceRejected)."""

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest

from billing.domain.events import (
    InvoiceAuthorization,
    InvoiceHolder,
    InvoiceIssued,
    InvoiceRejected,
    InvoiceTotals,
    StatementSummary,
)
from billing.domain.issued_invoice import HistoryEntry, IssuedInvoice
from billing.domain.submission import (
    Action,
    AuthorizationAnswer,
    Message,
    ReceptionAnswer,
    RetryPolicy,
    State,
)

NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
KEY = "1011202601179001167400110010010000000071234567813"
POLICY = RetryPolicy(
    base_seconds=2.0,
    max_seconds=60.0,
    timeout_seconds=10.0,
    first_query_delay_seconds=3.0,
    poll_max_seconds=3600.0,
    resend_after_seconds=86400.0,
)
REGISTERED = Message("43", "CLAVE ACCESO REGISTRADA", None, "ERROR")
IN_PROCESSING = Message("70", "CLAVE DE ACCESO EN PROCESAMIENTO", None, "ERROR")
BAD_XML = Message("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", "detalle", "ERROR")
BAD_SIGNATURE = Message("39", "FIRMA INVALIDA", None, "ERROR")


def invoice(state: State = State.SIGNED, **changes: object) -> IssuedInvoice:
    values: dict[str, object] = {
        "invoice_id": "1790011674001-001-001-000000007",
        "number": "001-001-000000007",
        "account_id": "acc-1",
        "period": "2026-10",
        "access_key": KEY,
        "issue_date": date(2026, 11, 1),
        "holder": InvoiceHolder("Ana Pérez", "ana@correo.ec", "cedula", "1714307103"),
        "lines": ("+593991234567",),
        "totals": InvoiceTotals("10.00", "0.00", "1.50", "11.50"),
        "statement": StatementSummary("0.00", "0.00", "11.50", "0.00", "11.50", date(2026, 11, 16)),
        "bill_run_id": "run-1",
        "state": state,
        "next_attempt_at": NOW,
    }
    return IssuedInvoice(**(values | changes))  # type: ignore[arg-type]


def within_jitter(delay: timedelta, seconds: float) -> bool:
    return timedelta(seconds=0.8 * seconds) <= delay <= timedelta(seconds=1.2 * seconds)


def test_submitting_is_written_before_the_document_leaves() -> None:
    item = invoice(attempts=1)
    item.submitting(NOW, POLICY)
    assert item.state == State.SUBMITTING and item.attempts == 2
    # Not due before the call has surely timed out (10 s) plus a backoff of attempt 1 (4 s).
    assert within_jitter(item.next_attempt_at - NOW - timedelta(seconds=10), 4.0)  # type: ignore[operator]
    assert item.history == [HistoryEntry(State.SUBMITTING, NOW)]
    assert item.events == [] and item.updated_at == NOW


@pytest.mark.parametrize("state", [State.SUBMITTING, State.RECEIVED, State.AUTHORIZED])
def test_only_a_signed_invoice_is_sent(state: State) -> None:
    with pytest.raises(ValueError, match="not sent"):
        invoice(state).submitting(NOW, POLICY)


def test_recibida_is_received_and_queried_after_the_first_query_delay() -> None:
    item = invoice(State.SUBMITTING, attempts=1)
    item.reception_answered(ReceptionAnswer("RECIBIDA"), NOW, POLICY)
    assert item.state == State.RECEIVED and item.attempts == 1
    assert item.next_attempt_at == NOW + timedelta(seconds=3) and item.received_at == NOW
    assert not item.sri_has_key
    assert item.history == [HistoryEntry(State.RECEIVED, NOW, "RECIBIDA", with_status=True)]
    assert item.events == []


@pytest.mark.parametrize("message", [REGISTERED, IN_PROCESSING])
def test_devuelta_43_or_70_is_resolved_by_querying(message: Message) -> None:
    item = invoice(State.SUBMITTING)
    item.reception_answered(ReceptionAnswer("DEVUELTA", (message,)), NOW, POLICY)
    assert item.state == State.RECEIVED and item.sri_messages == (message,)
    assert item.sri_has_key and item.next_attempt_at == NOW + timedelta(seconds=3)
    assert item.events == []


def test_devuelta_is_returned_with_an_invoice_rejected() -> None:
    item = invoice(State.SUBMITTING, attempts=1)
    item.reception_answered(ReceptionAnswer("DEVUELTA", (BAD_XML,)), NOW, POLICY)
    assert item.state == State.RETURNED and item.next_attempt_at is None
    assert item.public_status == "rejected" and item.sri_messages == (BAD_XML,)
    assert item.events == [
        InvoiceRejected(
            invoice_id=item.invoice_id,
            account_id="acc-1",
            period="2026-10",
            number="001-001-000000007",
            access_key=KEY,
            state=State.RETURNED,
            sri_status="DEVUELTA",
            messages=(BAD_XML,),
        )
    ]


def test_autorizado_is_authorized_with_an_invoice_issued() -> None:
    at = datetime(2026, 11, 10, 9, 30, tzinfo=UTC)
    chosen = AuthorizationAnswer("AUTORIZADO", (), KEY, at, "PRUEBAS", b"<autorizacion/>")
    item = invoice(State.RECEIVED, sri_messages=(REGISTERED,))
    denied = AuthorizationAnswer("NO AUTORIZADO", (BAD_SIGNATURE,))
    assert item.authorizations_answered([denied, chosen], NOW, POLICY) == chosen
    assert item.state == State.AUTHORIZED and item.public_status == "authorized"
    assert item.next_attempt_at is None and item.sri_messages == ()
    authorization = InvoiceAuthorization(KEY, at, "PRUEBAS")
    assert item.authorization == authorization
    assert item.history == [HistoryEntry(State.AUTHORIZED, NOW)]
    [event] = item.events
    assert isinstance(event, InvoiceIssued)
    assert event.authorization == authorization
    assert event.authorized_xml_sha256 == hashlib.sha256(b"<autorizacion/>").hexdigest()
    assert event.authorized_xml_size == len(b"<autorizacion/>")
    assert (event.invoice_id, event.lines, event.totals) == (
        item.invoice_id,
        item.lines,
        item.totals,
    )
    assert (event.holder, event.statement, event.issue_date) == (
        item.holder,
        item.statement,
        item.issue_date,
    )


def test_an_authorization_without_number_or_date_takes_the_key_and_now() -> None:
    item = invoice(State.IN_PROCESS)
    item.authorizations_answered([AuthorizationAnswer("AUTORIZADO")], NOW, POLICY)
    assert item.authorization == InvoiceAuthorization(KEY, NOW, None)


def test_en_proceso_polls_again_after_a_backoff() -> None:
    item = invoice(State.RECEIVED, attempts=2, polls=1, received_at=NOW)
    answer = AuthorizationAnswer("EN PROCESO", (IN_PROCESSING,))
    assert item.authorizations_answered([answer], NOW, POLICY) is None
    assert item.state == State.IN_PROCESS and item.attempts == 2 and item.polls == 2
    assert item.sri_has_key and item.sri_messages == (IN_PROCESSING,)
    # The poll's backoff (its second: 4 s), not the one of unanswered calls.
    assert within_jitter(item.next_attempt_at - NOW, 4.0)  # type: ignore[operator]
    # No authorization decided it: no status (as SRI keeps none for EN PROCESO).
    assert item.history == [HistoryEntry(State.IN_PROCESS, NOW, None, with_status=True)]


def test_no_autorizado_is_rejected_with_sri_messages() -> None:
    item = invoice(State.IN_PROCESS)
    item.authorizations_answered(
        [AuthorizationAnswer("NO AUTORIZADO", (BAD_SIGNATURE,))], NOW, POLICY
    )
    assert item.state == State.NOT_AUTHORIZED and item.next_attempt_at is None
    [event] = item.events
    assert isinstance(event, InvoiceRejected)
    assert event.sri_status == "NO AUTORIZADO" and event.messages == (BAD_SIGNATURE,)
    assert event.state == State.NOT_AUTHORIZED


def test_timeout_then_unknown_key_sends_again() -> None:
    item = invoice()
    item.submitting(NOW, POLICY)
    item.unanswered(NOW, POLICY)  # the submission went unanswered: query, never resend blindly
    assert item.state == State.SUBMITTING and item.attempts == 2
    assert item.history[-1] == HistoryEntry(State.SUBMITTING, NOW, None, with_status=True)
    item.authorizations_answered([], NOW, POLICY)  # SRI has no such key
    assert item.state == State.SIGNED and item.next_attempt_at == NOW
    assert item.events == []


def test_timeout_that_sri_received_is_queried_not_resent() -> None:
    item = invoice(State.SUBMITTING, attempts=1)
    item.unanswered(NOW, POLICY)
    item.authorizations_answered([AuthorizationAnswer("EN PROCESO")], NOW, POLICY)
    assert item.state == State.IN_PROCESS
    item.authorizations_answered([AuthorizationAnswer("AUTORIZADO")], NOW, POLICY)
    assert item.state == State.AUTHORIZED


def test_received_but_never_listed_is_resent_only_after_a_day() -> None:
    item = invoice(State.SUBMITTING, attempts=1)
    item.reception_answered(ReceptionAnswer("RECIBIDA"), NOW, POLICY)
    for hours in (0, 1, 12, 23):
        item.authorizations_answered([], NOW + timedelta(hours=hours), POLICY)
        assert item.state == State.IN_PROCESS and item.next_action == Action.QUERY
        # Polled no later than the day is over.
        assert item.next_attempt_at <= NOW + timedelta(days=1)  # type: ignore[operator]
    item.authorizations_answered([], NOW + timedelta(days=1), POLICY)
    assert item.state == State.SIGNED and item.next_attempt_at == NOW + timedelta(days=1)
    assert item.events == []


@pytest.mark.parametrize("message", [REGISTERED, IN_PROCESSING])
def test_after_43_or_70_it_is_never_resent(message: Message) -> None:
    item = invoice(State.SUBMITTING, attempts=1)
    item.reception_answered(ReceptionAnswer("DEVUELTA", (message,)), NOW, POLICY)
    for days in (0, 1, 3, 10):
        item.authorizations_answered([], NOW + timedelta(days=days), POLICY)
        assert item.state == State.IN_PROCESS and item.next_action == Action.QUERY
    item.authorizations_answered([AuthorizationAnswer("AUTORIZADO")], NOW, POLICY)
    assert item.state == State.AUTHORIZED


@pytest.mark.parametrize("state", [State.SUBMITTING, State.RECEIVED, State.IN_PROCESS])
def test_no_answer_keeps_the_state_and_backs_off(state: State) -> None:
    item = invoice(state, attempts=4, sri_messages=(REGISTERED,))
    item.unanswered(NOW, POLICY)
    assert item.state == state and item.attempts == 5 and item.sri_messages == (REGISTERED,)
    assert within_jitter(item.next_attempt_at - NOW, 32.0)  # type: ignore[operator]


def test_the_backoff_is_capped() -> None:
    item = invoice(State.RECEIVED, attempts=20)
    item.unanswered(NOW, POLICY)
    assert within_jitter(item.next_attempt_at - NOW, 60.0)  # type: ignore[operator]


def test_a_snapshot_is_the_invoice_as_loaded() -> None:
    item = invoice(State.SUBMITTING)
    loaded = item.snapshot()
    item.unanswered(NOW, POLICY)
    assert loaded.attempts == 0 and loaded.history == [] and loaded.version == item.version
    assert item.history and loaded.state == State.SUBMITTING
