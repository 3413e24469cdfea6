"""Moves stored invoices through SRI (domain/submission.py decides, this performs the I/O).

Every step is a compare-and-set on the invoice's ``version``, so a step is applied once even if
two workers look at the same invoice. ``submitting`` is written *before* the document is sent: an
invoice found in that state (after a crash, a timeout, a 500) is first looked up in Autorización
and only sent again if SRI says it has no such key.
"""

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from billing.context import Billing
from billing.domain import submission
from billing.domain.submission import Action, Message, Outcome, State
from billing.metrics import (
    INVOICE_OUTCOMES,
    INVOICES_REJECTED,
    OPEN_INVOICES,
    SRI_CALLS,
    SRI_LATENCY,
)
from billing.records import invoice_from_document
from billing.signer import Signer
from billing.sri_client import Authorization, SriClient, SriMessage, SriUnavailable
from billing.store.invoices import INVOICES
from common.contracts.billing import (
    Holder,
    InvoiceIssued,
    InvoiceIssuedData,
    InvoiceRejected,
    InvoiceRejectedData,
    SriMessageData,
    StatementSummary,
    Totals,
)
from common.logging import get_logger

log = get_logger(__name__)


def _messages(messages: Sequence[SriMessage]) -> tuple[Message, ...]:
    return tuple(Message(m.identifier, m.message, m.additional_info, m.kind) for m in messages)


def _message_docs(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [asdict(m) for m in messages]


class Submitter:
    def __init__(
        self,
        ctx: Billing,
        client: SriClient,
        signer: Callable[[], Signer],
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._signer = signer
        # While this says so (a bill run is signing and storing), nothing is submitted: storing
        # the whole cycle first keeps the database for the bill run; SRI can trail.
        self.paused: Callable[[], bool] = lambda: False
        # Called when idle (the bill-run loop then checks whether runs are complete).
        self.on_final: Callable[[], None] = lambda: None
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(ctx.settings.sri_concurrency)
        self._queue: deque[tuple[dict[str, Any], bytes]] = deque()
        self._owned: set[str] = set()  # queued or in flight: a database sweep skips them

    def notify(self, stored: Sequence[tuple[dict[str, Any], bytes]] = ()) -> None:
        """Invoices just stored, with their signed XML: sent without reading them back."""
        for doc, xml in stored:
            if doc["_id"] not in self._owned:
                self._owned.add(doc["_id"])
                self._queue.append((doc, xml))
        self._wake.set()

    async def run(self, poll_seconds: float = 1.0) -> None:
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
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
            except TimeoutError:
                pass

    async def run_once(self) -> int:
        """One batch: fresh invoices from the bill run first, else whatever is due in the
        database (retries, EN PROCESO polls, work left by a previous process)."""
        if self.paused():
            return 0
        size = self._ctx.settings.submit_batch_size
        batch: list[tuple[dict[str, Any], bytes | None]] = [
            self._queue.popleft() for _ in range(min(size, len(self._queue)))
        ]
        if not batch:
            due = await self._ctx.invoices.due(datetime.now(UTC), size)
            batch = [(doc, None) for doc in due if doc["_id"] not in self._owned]
            OPEN_INVOICES.set(len(due))
        if batch:
            self._owned.update(doc["_id"] for doc, _ in batch)
            try:
                await asyncio.gather(*(self._guarded(doc, xml) for doc, xml in batch))
            finally:
                self._owned.difference_update(doc["_id"] for doc, _ in batch)
        return len(batch)

    async def _guarded(self, doc: dict[str, Any], xml: bytes | None) -> None:
        async with self._limit:
            try:
                await self.step(doc, xml)
            except Exception:
                # One bad invoice must not stop the others; it is retried after a backoff.
                log.exception("sri_step_failed", invoice_id=doc["_id"])
                await self._unanswered(doc)

    async def step(self, doc: dict[str, Any], xml: bytes | None = None) -> None:
        action = submission.next_action(State(doc["state"]))
        if action == Action.SEND:
            moved = await self._send(doc, xml)
            if moved is None or State(moved["state"]) != State.RECEIVED:
                return
            doc = moved
        if submission.next_action(State(doc["state"])) == Action.QUERY:
            await self._query(doc)

    # -- reception ---------------------------------------------------------------------------

    async def _signed_xml(self, doc: dict[str, Any], known: bytes | None) -> bytes:
        store = self._ctx.invoices
        xml = known or await store.signed_xml(doc["_id"])
        if xml is None or doc["access_key"].encode() not in xml:
            # The process died between storing the invoice and its XML: sign it again (it never
            # left, so nobody has the first signature).
            invoice = invoice_from_document(doc)
            xml = await asyncio.to_thread(self._signer().sign, invoice)
            await store.save_signed([(doc["_id"], xml)])
        return xml

    async def _send(self, doc: dict[str, Any], known: bytes | None) -> dict[str, Any] | None:
        xml = await self._signed_xml(doc, known)
        now = datetime.now(UTC)
        # Not due again before the call has surely timed out: then the next step is a query.
        wait = timedelta(seconds=self._ctx.settings.sri_timeout_seconds) + self._backoff(doc)
        moved = await self._ctx.invoices.transition(
            doc["_id"],
            doc["version"],
            {
                "state": State.SUBMITTING.value,
                "attempts": doc["attempts"] + 1,
                "next_attempt_at": now + wait,
                "updated_at": now,
            },
            history={"state": State.SUBMITTING.value, "at": now},
        )
        if moved is None:
            return None
        try:
            reception = await self._call("recepcion", self._client.submit(xml))
        except SriUnavailable as error:
            log.warning("sri_reception_unanswered", invoice_id=doc["_id"], error=str(error))
            return None  # stays submitting; due after ``wait``, then resolved by a query
        outcome = submission.after_reception(reception.status, _messages(reception.messages))
        return await self._apply(moved, outcome, sri_status=reception.status)

    # -- authorization -----------------------------------------------------------------------

    async def _query(self, doc: dict[str, Any]) -> None:
        try:
            answers = await self._call(
                "autorizacion", self._client.authorizations(doc["access_key"])
            )
        except SriUnavailable as error:
            log.warning("sri_authorization_unanswered", invoice_id=doc["_id"], error=str(error))
            await self._unanswered(doc)
            return
        state = State(doc["state"])
        outcome = submission.after_authorizations(
            state,
            [submission.AuthorizationAnswer(a.status, _messages(a.messages)) for a in answers],
            doc.get("empty_polls", 0),
            self._ctx.settings.sri_empty_polls_before_resend,
        )
        chosen = answers[outcome.chosen] if outcome.chosen is not None else None
        if outcome.state == State.AUTHORIZED and chosen is not None:
            await self._authorized(doc, chosen)
            return
        await self._apply(
            doc,
            outcome,
            sri_status=chosen.status if chosen else None,
            empty=not answers,
        )

    async def _authorized(self, doc: dict[str, Any], answer: Authorization) -> None:
        await self._ctx.invoices.save_authorized(doc["_id"], answer.xml)
        now = datetime.now(UTC)
        authorized_at = answer.authorized_at or now
        authorization = {
            "number": answer.number or doc["access_key"],
            "authorized_at": authorized_at,
            "environment": answer.environment,
        }
        event = InvoiceIssued(data=_issued_data(doc, authorization, answer.xml))
        moved = await self._ctx.invoices.transition(
            doc["_id"],
            doc["version"],
            {
                "state": State.AUTHORIZED.value,
                "authorization": authorization,
                "sri_messages": _message_docs(_messages(answer.messages)),
                "next_attempt_at": None,
                "updated_at": now,
            },
            history={"state": State.AUTHORIZED.value, "at": now},
            events=[event],
        )
        if moved is not None:
            self._ctx.runtime.events_written(INVOICES, doc["_id"])
            INVOICE_OUTCOMES.labels(State.AUTHORIZED.value).inc()
            log.info("invoice_authorized", invoice_id=doc["_id"], access_key=doc["access_key"])

    # -- bookkeeping -------------------------------------------------------------------------

    async def _apply(
        self,
        doc: dict[str, Any],
        outcome: Outcome,
        *,
        sri_status: str | None,
        empty: bool = False,
    ) -> dict[str, Any] | None:
        now = datetime.now(UTC)
        changes: dict[str, Any] = {"state": outcome.state.value, "updated_at": now}
        if outcome.messages:
            changes["sri_messages"] = _message_docs(outcome.messages)
        if outcome.state in submission.TERMINAL:
            changes["next_attempt_at"] = None
        elif outcome.retry:
            changes["next_attempt_at"] = now + self._backoff(doc)
            changes["attempts"] = doc["attempts"] + 1
        else:
            changes["next_attempt_at"] = now
        if outcome.state == State.IN_PROCESS and empty:
            changes["empty_polls"] = doc.get("empty_polls", 0) + 1
        elif outcome.state == State.SIGNED:
            changes["empty_polls"] = 0
        events = []
        if outcome.state in submission.REJECTED:
            events.append(_rejected_event(doc, outcome, sri_status or outcome.state.value))
        moved = await self._ctx.invoices.transition(
            doc["_id"],
            doc["version"],
            changes,
            history={"state": outcome.state.value, "at": now, "sri_status": sri_status},
            events=events,
        )
        if moved is not None and events:
            self._ctx.runtime.events_written(INVOICES, doc["_id"])
            INVOICE_OUTCOMES.labels(outcome.state.value).inc()
            for message in outcome.messages or (Message("none", "", None, "ERROR"),):
                INVOICES_REJECTED.labels(message.identifier).inc()
            # Loud on purpose: a rejected invoice is a fiscal problem someone must fix.
            log.error(
                "invoice_rejected_by_sri",
                invoice_id=doc["_id"],
                access_key=doc["access_key"],
                sri_status=sri_status,
                messages=[
                    f"{m.identifier} {m.message}: {m.additional_info}" for m in outcome.messages
                ],
            )
        return moved

    async def _unanswered(self, doc: dict[str, Any]) -> None:
        """No answer (or an error of ours): same state, next try after a backoff."""
        outcome = submission.after_no_answer(State(doc["state"]))
        await self._apply(doc, outcome, sri_status=None)

    def _backoff(self, doc: dict[str, Any]) -> timedelta:
        settings = self._ctx.settings
        return submission.backoff(
            doc["attempts"], settings.sri_retry_base_seconds, settings.sri_retry_max_seconds
        )

    @staticmethod
    async def _call(operation: str, call: Any) -> Any:
        with SRI_LATENCY.labels(operation).time():
            try:
                result = await call
            except SriUnavailable:
                SRI_CALLS.labels(operation, "unavailable").inc()
                raise
        SRI_CALLS.labels(operation, "answered").inc()
        return result


def _issued_data(
    doc: dict[str, Any], authorization: dict[str, Any], xml: bytes
) -> InvoiceIssuedData:
    return InvoiceIssuedData(
        invoice_id=doc["_id"],
        account_id=doc["account_id"],
        period=doc["period"],
        number=doc["number"],
        access_key=doc["access_key"],
        issue_date=doc["issue_date"],
        authorization_number=authorization["number"],
        authorized_at=authorization["authorized_at"],
        environment=authorization["environment"] or "",
        holder=Holder(**doc["holder"]),
        lines=doc["lines_numbers"],
        totals=Totals(**doc["totals"]),
        statement=StatementSummary(**doc["statement"]),
        authorized_xml=xml.decode(),
    )


def _rejected_event(doc: dict[str, Any], outcome: Outcome, sri_status: str) -> InvoiceRejected:
    return InvoiceRejected(
        data=InvoiceRejectedData(
            invoice_id=doc["_id"],
            account_id=doc["account_id"],
            period=doc["period"],
            number=doc["number"],
            access_key=doc["access_key"],
            sri_status=sri_status,
            messages=[SriMessageData(**asdict(m)) for m in outcome.messages],
        )
    )
