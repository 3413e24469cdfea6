"""The SRI submitter on fakes with a scripted SRI: every path of the state machine performs the
right calls in the right order and leaves the right events behind (no database, no network)."""

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from billing.adapters.sri_client import Reception, SriUnavailable
from billing.domain.events import InvoiceIssued, InvoiceRejected
from billing.domain.submission import State
from billing.loops.submitter import Submitter
from billing.use_cases import submission
from services.billing.tests.unit.invoice_fakes import FakeInvoices, FakeSigner, clock, record
from services.billing.tests.unit.sri_fakes import (
    BAD_SIGNATURE,
    BAD_XML,
    IN_PROCESSING,
    REGISTERED,
    FakeSubmission,
    ScriptedSri,
    answer,
)


@dataclass
class Settings:
    sri_concurrency: int = 4
    submit_batch_size: int = 10
    sri_retry_base_seconds: float = 0.0
    sri_retry_max_seconds: float = 0.0
    sri_timeout_seconds: float = 0.0
    sri_first_query_delay_seconds: float = 0.0
    sri_poll_max_seconds: float = 86400.0
    sri_resend_after_seconds: float = 86400.0
    sri_transmission_window_hours: int = 72


@dataclass
class Service:
    invoices: FakeInvoices = field(default_factory=FakeInvoices)
    settings: Settings = field(default_factory=Settings)


def stored(invoices: FakeInvoices, **changes: Any) -> str:
    """An invoice stored by a bill run, its signed XML beside it; its id."""
    doc = record(**changes)
    invoices.add(doc)
    invoices.signed[doc["_id"]] = f"<factura>{doc['access_key']}</factura>".encode()
    return str(doc["_id"])


async def drive(service: Service, sri: ScriptedSri, signer: FakeSigner | None = None) -> None:
    """Run the submitter until nothing is due (backoffs are zero here, so every step is due)."""
    submitter = Submitter(service, sri, lambda: signer or FakeSigner())
    for _ in range(10):
        if not await submitter.run_once():
            return


async def test_recibida_then_autorizado() -> None:
    service = Service()
    invoice_id = stored(service.invoices)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    await drive(service, sri)
    final = service.invoices.current(invoice_id)
    assert final.state == State.AUTHORIZED and sri.calls == ["recepcion", "autorizacion"]
    assert final.authorization is not None and final.authorization.number == final.access_key
    [event] = service.invoices.events
    assert isinstance(event, InvoiceIssued)
    record = service.invoices.authorized[invoice_id]
    assert final.access_key.encode() in record
    # The event names the stored record: its digest and length, not its text.
    assert event.authorized_xml_sha256 == hashlib.sha256(record).hexdigest()
    assert event.authorized_xml_size == len(record)
    states = [entry.state for entry in service.invoices.trail[invoice_id]]
    assert states == [State.SUBMITTING, State.RECEIVED, State.AUTHORIZED]


async def test_devuelta_is_rejected_with_an_event() -> None:
    service = Service()
    invoice_id = stored(service.invoices)
    sri = ScriptedSri([Reception("DEVUELTA", (BAD_XML,))], [])
    await drive(service, sri)
    final = service.invoices.current(invoice_id)
    assert final.state == State.RETURNED and sri.calls == ["recepcion"]
    assert final.sri_messages[0].identifier == "35"
    [event] = service.invoices.events
    assert isinstance(event, InvoiceRejected) and event.sri_status == "DEVUELTA"
    assert [m.identifier for m in event.messages] == ["35"]


async def test_no_autorizado_is_rejected() -> None:
    service = Service()
    invoice_id = stored(service.invoices)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [[answer("NO AUTORIZADO", BAD_SIGNATURE)]])
    await drive(service, sri)
    assert service.invoices.current(invoice_id).state == State.NOT_AUTHORIZED
    [event] = service.invoices.events
    assert isinstance(event, InvoiceRejected) and event.sri_status == "NO AUTORIZADO"


async def test_43_and_70_are_resolved_by_querying() -> None:
    for message in (REGISTERED, IN_PROCESSING):
        service = Service()
        invoice_id = stored(service.invoices)
        sri = ScriptedSri([Reception("DEVUELTA", (message,))], [["AUTORIZADO"]])
        await drive(service, sri)
        assert service.invoices.current(invoice_id).state == State.AUTHORIZED
        assert sri.calls == ["recepcion", "autorizacion"]


async def test_unanswered_submission_is_queried_before_any_resend() -> None:
    service = Service()
    invoice_id = stored(service.invoices)
    sri = ScriptedSri(
        [SriUnavailable("timeout"), Reception("RECIBIDA", ())],
        # First query: SRI does not know the key → only now is it sent again.
        [[], [answer("EN PROCESO")], ["AUTORIZADO"]],
    )
    await drive(service, sri)
    assert service.invoices.current(invoice_id).state == State.AUTHORIZED
    assert sri.calls == ["recepcion", "autorizacion", "recepcion", "autorizacion", "autorizacion"]


async def test_unanswered_submission_that_sri_got_is_never_resent() -> None:
    service = Service()
    invoice_id = stored(service.invoices)
    sri = ScriptedSri(
        [SriUnavailable("timeout")],
        [SriUnavailable("500"), [answer("EN PROCESO")], ["AUTORIZADO"]],
    )
    await drive(service, sri)
    assert service.invoices.current(invoice_id).state == State.AUTHORIZED
    assert sri.calls == ["recepcion", "autorizacion", "autorizacion", "autorizacion"]


async def test_received_but_never_listed_is_resent_after_resend_after() -> None:
    # SRI_RESEND_AFTER_SECONDS=0: the first empty answer after RECIBIDA is already too late.
    service = Service(settings=Settings(sri_resend_after_seconds=0.0))
    invoice_id = stored(service.invoices)
    sri = ScriptedSri(
        [Reception("RECIBIDA", ()), Reception("DEVUELTA", (REGISTERED,))],
        [[], [], ["AUTORIZADO"]],
    )
    await drive(service, sri)
    assert service.invoices.current(invoice_id).state == State.AUTHORIZED
    # Sent again once; after 43 SRI has the key: an empty answer is polled, not re-sent.
    assert sri.calls == ["recepcion", "autorizacion", "recepcion", "autorizacion", "autorizacion"]


async def test_received_and_never_listed_is_polled_not_resent_within_the_day() -> None:
    service = Service()
    invoice_id = stored(service.invoices)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [[], [], [], ["AUTORIZADO"]])
    await drive(service, sri)
    assert service.invoices.current(invoice_id).state == State.AUTHORIZED
    assert sri.calls == ["recepcion"] + ["autorizacion"] * 4


async def test_after_70_it_is_never_resent() -> None:
    service = Service(settings=Settings(sri_resend_after_seconds=0.0))
    invoice_id = stored(service.invoices)
    sri = ScriptedSri([Reception("DEVUELTA", (IN_PROCESSING,))], [[], [], ["AUTORIZADO"]])
    await drive(service, sri)
    assert service.invoices.current(invoice_id).state == State.AUTHORIZED
    assert sri.calls == ["recepcion"] + ["autorizacion"] * 3


async def test_the_first_query_waits_after_recibida() -> None:
    service = Service(settings=Settings(sri_first_query_delay_seconds=60))
    invoice_id = stored(service.invoices)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    await drive(service, sri)
    final = service.invoices.current(invoice_id)
    assert final.state == State.RECEIVED and sri.calls == ["recepcion"]
    assert final.next_attempt_at is not None and final.received_at is not None
    assert final.next_attempt_at - final.received_at == timedelta(seconds=60)


async def test_en_proceso_waits_for_its_backoff() -> None:
    service = Service(settings=Settings(sri_retry_base_seconds=60, sri_retry_max_seconds=60))
    invoice_id = stored(service.invoices)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [[answer("EN PROCESO")]])
    await drive(service, sri)
    final = service.invoices.current(invoice_id)
    assert final.state == State.IN_PROCESS and sri.calls == ["recepcion", "autorizacion"]
    assert (final.attempts, final.polls) == (1, 1)  # not due for about a minute


async def test_an_idle_submitter_asks_again_only_when_a_step_is_due() -> None:
    """One invoice polled EN PROCESO, its next poll 60 s away: the loop sleeps until then
    instead of querying the open invoices every ``poll_seconds``."""
    service = Service(settings=Settings(sri_retry_base_seconds=60, sri_retry_max_seconds=60))
    stored(service.invoices)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [[answer("EN PROCESO")]])
    submitter = Submitter(service, sri, FakeSigner)
    loop = asyncio.create_task(submitter.run(poll_seconds=0.01, idle_seconds=30))
    await asyncio.sleep(1.0)  # a hundred polls' worth
    loop.cancel()
    await asyncio.gather(loop, return_exceptions=True)
    assert sri.calls == ["recepcion", "autorizacion"]
    assert service.invoices.due_queries <= 3  # the steps, then one look when idle


async def test_fresh_invoices_are_sent_with_the_xml_they_were_stored_with() -> None:
    service = Service()
    doc = record()
    fresh = service.invoices.add(doc)
    xml = f"<factura>{doc['access_key']}, as signed</factura>".encode()
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    submitter = Submitter(service, sri, FakeSigner)
    submitter.notify([(fresh, xml)])
    submitter.paused = lambda: True  # a bill run is storing: nothing is submitted
    assert await submitter.run_once() == 0
    submitter.paused = lambda: False
    assert await submitter.run_once() == 1
    assert sri.sent == [xml] and service.invoices.signed == {}  # never read back
    assert await submitter.run_once() == 1  # the authorization query, once due
    assert service.invoices.current(doc["_id"]).state == State.AUTHORIZED


async def test_an_invoice_whose_xml_was_lost_is_signed_again_from_its_factura() -> None:
    service, signer = Service(), FakeSigner()
    doc = record()
    service.invoices.add(doc)  # the process died before its XML was stored
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    await drive(service, sri, signer)
    assert signer.signed == [doc["access_key"]]
    assert service.invoices.signed[doc["_id"]] == sri.sent[0]
    assert service.invoices.current(doc["_id"]).state == State.AUTHORIZED


async def test_an_invoice_moved_by_someone_else_is_left_to_them() -> None:
    invoices = FakeInvoices()
    invoice_id = stored(invoices)
    seen = invoices.current(invoice_id)
    invoices.invoices[invoice_id].version += 1  # another worker stepped it meanwhile
    parts = FakeSubmission(ScriptedSri([], []), invoices)
    assert await submission.step(parts, seen, None, clock()) == []
    assert parts.sri.calls == [] and invoices.saves == 0


async def test_a_failing_step_falls_back_to_the_invoice_as_loaded() -> None:
    service = Service()
    invoice_id = stored(service.invoices)
    # Not an SRI answer nor its absence: a bug of ours after the submission was recorded.
    sri = ScriptedSri([RuntimeError("boom")], [["AUTORIZADO"]])
    submitter = Submitter(service, sri, FakeSigner)
    assert await submitter.run_once() == 1
    # Still submitting (the fallback's compare-and-set lost to the recorded step): resolved by a
    # query, never by sending it blindly again.
    assert service.invoices.current(invoice_id).state == State.SUBMITTING
    await drive(service, sri)
    assert sri.calls == ["recepcion", "autorizacion"]
    assert service.invoices.current(invoice_id).state == State.AUTHORIZED


async def test_step_returns_the_events_it_wrote() -> None:
    invoices = FakeInvoices()
    invoice_id = stored(invoices)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    parts = FakeSubmission(sri, invoices)
    now = clock()
    assert await submission.step(parts, invoices.current(invoice_id), None, now) == []  # sent
    [event] = await submission.step(parts, invoices.current(invoice_id), None, now)  # queried
    assert isinstance(event, InvoiceIssued) and event.invoice_id == invoice_id
    assert invoices.events == [event]
