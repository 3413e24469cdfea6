"""The SRI submitter loop: moves stored invoices through SRI, one step per invoice
(use_cases/submission.py), many invoices at once (``SRI_CONCURRENCY``).

Fresh invoices come from the bill run with their signed XML, without being read back; the
database is swept for the rest (retries, EN PROCESO polls, work left by a previous process).
While a bill run signs and stores, nothing is submitted: storing the whole cycle first keeps the
database for the bill run; SRI can trail.
"""

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import Gauge

from billing.domain.events import InvoiceEvent, InvoiceIssued, InvoiceRejected
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.note_events import NoteIssued, NoteRejected
from billing.domain.submission import Message, RetryPolicy, State
from billing.domain.transmission_window import TransmissionWindow
from billing.metrics import (
    INVOICE_OUTCOMES,
    INVOICES_REJECTED,
    NOTE_OUTCOMES,
    OPEN_INVOICES,
)
from billing.ports import FacturaSigner, InvoiceRepository, Sri
from billing.use_cases import submission
from common.logging import get_logger

log = get_logger(__name__)


class SubmitterSettings(Protocol):
    @property
    def sri_concurrency(self) -> int: ...
    @property
    def submit_batch_size(self) -> int: ...
    @property
    def sri_retry_base_seconds(self) -> float: ...
    @property
    def sri_retry_max_seconds(self) -> float: ...
    @property
    def sri_first_query_delay_seconds(self) -> float: ...
    @property
    def sri_poll_max_seconds(self) -> float: ...
    @property
    def sri_resend_after_seconds(self) -> float: ...
    @property
    def sri_timeout_seconds(self) -> float: ...
    @property
    def sri_transmission_window_hours(self) -> int: ...


class SubmitterService(Protocol):
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def settings(self) -> SubmitterSettings: ...


@dataclass(frozen=True)
class SubmissionParts:
    """What one SRI step works with (billing.ports.Submitting)."""

    invoices: InvoiceRepository
    sri: Sri
    signer: Callable[[], FacturaSigner]
    policy: RetryPolicy
    window: TransmissionWindow = field(default_factory=TransmissionWindow)


def retry_policy(settings: SubmitterSettings) -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.sri_retry_base_seconds,
        max_seconds=settings.sri_retry_max_seconds,
        timeout_seconds=settings.sri_timeout_seconds,
        first_query_delay_seconds=settings.sri_first_query_delay_seconds,
        poll_max_seconds=settings.sri_poll_max_seconds,
        resend_after_seconds=settings.sri_resend_after_seconds,
    )


def _now() -> datetime:
    return datetime.now(UTC)


class Submitter:
    def __init__(
        self, svc: SubmitterService, sri: Sri, signer: Callable[[], FacturaSigner]
    ) -> None:
        settings = svc.settings
        window = TransmissionWindow(settings.sri_transmission_window_hours)
        self.parts = SubmissionParts(svc.invoices, sri, signer, retry_policy(settings), window)
        self._batch_size = settings.submit_batch_size
        # While this says so (a bill run is signing and storing), nothing is submitted.
        self.paused: Callable[[], bool] = lambda: False
        # Called when idle (the bill-run loop then checks whether runs are complete).
        self.on_final: Callable[[], None] = lambda: None
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(settings.sri_concurrency)
        self._queue: deque[tuple[IssuedInvoice, bytes]] = deque()
        self._owned: set[str] = set()  # queued or in flight: a database sweep skips them
        # What is due in the last scan (the notes' submitter has a gauge of its own).
        self.pending: Gauge = OPEN_INVOICES

    def notify(self, stored: Sequence[tuple[IssuedInvoice, bytes]] = ()) -> None:
        """Invoices just stored, with their signed XML: sent without reading them back."""
        for invoice, xml in stored:
            if invoice.invoice_id not in self._owned:
                self._owned.add(invoice.invoice_id)
                self._queue.append((invoice, xml))
        self._wake.set()

    async def run(self, poll_seconds: float = 1.0, idle_seconds: float = 30.0) -> None:
        """Submit until cancelled. When nothing is due, sleep until the earliest next step
        (at least ``poll_seconds``, at most ``idle_seconds``: another replica's work) or until
        new invoices arrive, instead of asking the database every second."""
        busy = False
        while True:
            self._wake.clear()
            try:
                worked = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sri_submitter_error")
                worked = 0
            if worked:
                busy = True
                continue
            if busy:
                busy = False
                self.on_final()  # just went idle: the bill-run loop may find runs complete
            try:
                wait = await self._until_next_step(poll_seconds, idle_seconds)
                await asyncio.wait_for(self._wake.wait(), wait)
            except TimeoutError:
                pass

    async def _until_next_step(self, floor: float, ceiling: float) -> float:
        try:
            earliest = await self.parts.invoices.next_attempt_at()
        except Exception:
            log.exception("sri_next_step_lookup_failed")
            return floor
        if earliest is None:
            return ceiling
        return min(ceiling, max(floor, (earliest - _now()).total_seconds()))

    async def run_once(self) -> int:
        """One batch: fresh invoices from the bill run first, else whatever is due in the
        database (retries, EN PROCESO polls, work left by a previous process)."""
        if self.paused():
            return 0
        size = self._batch_size
        batch: list[tuple[IssuedInvoice, bytes | None]] = [
            self._queue.popleft() for _ in range(min(size, len(self._queue)))
        ]
        if not batch:
            due = await self.parts.invoices.due(_now(), size)
            batch = [(invoice, None) for invoice in due if invoice.invoice_id not in self._owned]
            self.pending.set(len(due))
        if batch:
            self._owned.update(invoice.invoice_id for invoice, _ in batch)
            try:
                await asyncio.gather(*(self._guarded(invoice, xml) for invoice, xml in batch))
            finally:
                self._owned.difference_update(invoice.invoice_id for invoice, _ in batch)
        return len(batch)

    async def _guarded(self, invoice: IssuedInvoice, xml: bytes | None) -> None:
        loaded = invoice.snapshot()
        async with self._limit:
            try:
                events = await submission.step(self.parts, invoice, xml, _now)
            except Exception:
                # One bad invoice must not stop the others; it is retried after a backoff.
                log.exception("sri_step_failed", invoice_id=invoice.invoice_id)
                events = await submission.unanswered(self.parts, loaded, _now)
        for event in events:
            _observe(event)


def _observe(event: InvoiceEvent) -> None:
    if isinstance(event, NoteRejected):  # the notes' submitter (loops/note_submitter.py)
        NOTE_OUTCOMES.labels(event.doc_type, event.state.value).inc()
        log.error("note_rejected_by_sri", note_id=event.note_id, sri_status=event.sri_status)
        return
    if isinstance(event, NoteIssued):
        NOTE_OUTCOMES.labels(event.doc_type, State.AUTHORIZED.value).inc()
        log.info("note_authorized", note_id=event.note_id, access_key=event.access_key)
        return
    if isinstance(event, InvoiceIssued):
        INVOICE_OUTCOMES.labels(State.AUTHORIZED.value).inc()
        log.info("invoice_authorized", invoice_id=event.invoice_id, access_key=event.access_key)
        return
    if isinstance(event, InvoiceRejected):
        INVOICE_OUTCOMES.labels(event.state.value).inc()
        for message in event.messages or (Message("none", "", None, "ERROR"),):
            INVOICES_REJECTED.labels(message.identifier).inc()
        # Loud on purpose: a rejected invoice is a fiscal problem someone must fix.
        log.error(
            "invoice_rejected_by_sri",
            invoice_id=event.invoice_id,
            access_key=event.access_key,
            sri_status=event.sri_status,
            messages=[f"{m.identifier} {m.message}: {m.additional_info}" for m in event.messages],
        )
