"""SMS through an SMSC over SMPP 3.4 (smpp34): one transceiver bind per process.

What smpp34 1.5 does by itself, found by experiment against a bare TCP peer: on a bound session
it sends enquire_link every 30 s and, when one stays unanswered for 30 s, ends the session
(``Smsc.next()`` yields ``Disconnected``); it acknowledges the SMSC's deliver_sm; a submit_sm
without an answer fails after 30 s. What it does not do, so this adapter does: bound the
submit_sm in flight (its ``window_size`` did not hold back a second submit while the first was
unanswered), bind again after a refused bind or a lost session (a ``Client`` binds only once:
each bind is a new one), and read the receipts.

Exiting the interpreter right after ``Client.stop()`` sometimes crashed in the library's native
threads; a short pause after stopping let them settle every time.
"""

import asyncio
import contextlib
import random
import time
from datetime import datetime

import smpp34
from prometheus_client import Counter, Gauge, Histogram

from common.logging import get_logger, mask
from notifier.domain.errors import (
    ESME_RMSGQFUL,
    ESME_RTHROTTLED,
    TransientDeliveryError,
    classify_submit_status,
)
from notifier.domain.sms import DeliveryReceipt, OutgoingSms, parse_receipt
from notifier.ports import Clock, Jitter, OnReceipt
from notifier.settings import NotifierSettings

log = get_logger(__name__)

# esm_class of a deliver_sm that is an SMSC delivery receipt (SMPP 3.4 §5.2.12), and the
# receipt's optional parameters (§5.3.2.12, §5.3.2.35; smpp34 exports them untyped).
RECEIPT = 0x04
TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_MESSAGE_STATE = 0x0427
SETTLE_SECONDS = 0.2
UNBIND_SECONDS = 2.0

SUBMITS = Counter(
    "sms_submits_total",
    "submit_sm outcomes: accepted, throttled, refused, timeout, error, not_bound, window_full.",
    ["outcome"],
)
SUBMIT_SECONDS = Histogram(
    "sms_submit_seconds",
    "From submit_sm to the SMSC's submit_sm_resp (or the failure).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BOUND = Gauge("smpp_bound", "1 while this process holds its bind to the SMSC.")
BINDS = Counter(
    "smpp_binds_total", "Binds by outcome: bound, refused (or unreachable), lost.", ["outcome"]
)
RECEIPTS = Counter("sms_receipts_total", "Delivery receipts by stat (DELIVRD, UNDELIV…).", ["stat"])


class SmppGateway:
    """The SMSC as the SMS channel's port: :meth:`run` holds the bind, :meth:`send` uses it."""

    def __init__(
        self, settings: NotifierSettings, clock: Clock, jitter: Jitter = random.random
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._jitter = jitter
        self._policy = settings.reconnect_policy()
        self._smsc: smpp34.Smsc | None = None
        # Created on first use, inside the running event loop.
        self._bound: asyncio.Event | None = None
        self._window: asyncio.Semaphore | None = None
        self._receipts: set[asyncio.Task[None]] = set()

    @property
    def bound(self) -> bool:
        return self._smsc is not None

    async def until_bound(self) -> None:
        await self._bound_event().wait()

    async def send(self, sms: OutgoingSms, deadline: datetime | None) -> str:
        """submit_sm within the window: the SMSC's message id, or a DeliveryError."""
        await self._wait_for_bind()
        window = self._window_gate()
        try:
            await asyncio.wait_for(window.acquire(), self._settings.smpp_window_wait_seconds)
        except TimeoutError:
            SUBMITS.labels("window_full").inc()
            raise TransientDeliveryError("SMPP submit window full") from None
        try:
            return await self._submit(sms, deadline)
        finally:
            window.release()

    async def _submit(self, sms: OutgoingSms, deadline: datetime | None) -> str:
        settings = self._settings
        if deadline is not None and self._clock() >= deadline:
            raise TransientDeliveryError("expired while waiting to submit")
        smsc = self._smsc
        if smsc is None:
            SUBMITS.labels("not_bound").inc()
            raise TransientDeliveryError("not bound to the SMSC")
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(
                smsc.submit_sm(
                    sms.destination,
                    sms.text.payload,
                    source_addr=settings.smpp_source_addr,
                    source_addr_ton=settings.smpp_source_ton,
                    source_addr_npi=settings.smpp_source_npi,
                    dest_addr_ton=1,  # international
                    dest_addr_npi=1,  # E.164
                    data_coding=sms.text.data_coding,
                    registered_delivery=1,  # a receipt on final delivery or failure
                ),
                settings.smpp_submit_timeout_seconds,
            )
        except TimeoutError:
            SUBMITS.labels("timeout").inc()
            raise TransientDeliveryError(
                f"no submit_sm_resp within {settings.smpp_submit_timeout_seconds:g} s"
            ) from None
        except smpp34.SmppError as exc:
            SUBMITS.labels("error").inc()
            raise TransientDeliveryError(f"submit_sm failed: {exc}") from None
        finally:
            SUBMIT_SECONDS.observe(time.perf_counter() - started)
        if response.is_success:
            SUBMITS.labels("accepted").inc()
            return response.message_id or ""
        status = response.command_status
        SUBMITS.labels(
            "throttled" if status in (ESME_RTHROTTLED, ESME_RMSGQFUL) else "refused"
        ).inc()
        log.warning(
            "sms_submit_refused",
            delivery_id=sms.delivery_id,
            destination=mask(sms.destination),
            command_status=f"0x{status:08X}",
        )
        raise classify_submit_status(status)

    async def _wait_for_bind(self) -> None:
        if self._smsc is not None:
            return
        try:
            await asyncio.wait_for(
                self._bound_event().wait(), self._settings.smpp_bind_wait_seconds
            )
        except TimeoutError:
            SUBMITS.labels("not_bound").inc()
            raise TransientDeliveryError("not bound to the SMSC") from None

    async def run(self, on_receipt: OnReceipt) -> None:
        """Bind, read until the session ends, bind again after a backoff; until cancelled."""
        failures = 0
        try:
            while True:
                client = self._new_client()
                try:
                    failures = await self._session(client, on_receipt, failures)
                finally:
                    await self._close(client)
                await asyncio.sleep(self._policy.delay(failures, self._jitter()).total_seconds())
        finally:
            for task in list(self._receipts):
                task.cancel()
            await asyncio.gather(*self._receipts, return_exceptions=True)

    async def _session(self, client: smpp34.Client, on_receipt: OnReceipt, failures: int) -> int:
        """One bind and its session; the failures in a row so far (a lost session counts 1)."""
        try:
            smsc = await client.connect()
        except Exception as exc:  # SmppError: refused, unreachable, timed out
            BINDS.labels("refused").inc()
            log.warning("smpp_bind_failed", error=str(exc), failures=failures + 1)
            return failures + 1
        self._up(smsc)
        try:
            await self._read(smsc, on_receipt)
        except Exception:
            # Never let the loop die: without it no SMS goes out until a restart.
            log.exception("smpp_session_error")
        BINDS.labels("lost").inc()
        log.warning("smpp_session_lost", session_id=smsc.session_id)
        return 1

    async def _read(self, smsc: smpp34.Smsc, on_receipt: OnReceipt) -> None:
        while True:
            event = await smsc.next()
            if isinstance(event, smpp34.Disconnected):
                return
            if not event.esm_class & RECEIPT:
                log.info("sms_inbound_ignored", esm_class=event.esm_class)
                continue
            receipt = receipt_of(event)
            if receipt is None:
                log.warning("sms_receipt_unreadable")
                continue
            RECEIPTS.labels(receipt.status).inc()
            # Recording may wait for the delivery's own record (a receipt can overtake it):
            # never hold up the reading meanwhile.
            task = asyncio.create_task(on_receipt(receipt))
            self._receipts.add(task)
            task.add_done_callback(self._receipts.discard)

    def _new_client(self) -> smpp34.Client:
        settings = self._settings
        return smpp34.Client(
            settings.smpp_host,
            settings.smpp_port,
            settings.smpp_system_id,
            settings.smpp_secret,
            bind_type="TRX",
            system_type=settings.smpp_system_type,
            window_size=settings.smpp_window,
            connect_timeout_ms=int(settings.smpp_connect_timeout_seconds * 1000),
        )

    def _up(self, smsc: smpp34.Smsc) -> None:
        self._smsc = smsc
        self._bound_event().set()
        BINDS.labels("bound").inc()
        BOUND.set(1)
        settings = self._settings
        log.info("smpp_bound", host=settings.smpp_host, port=settings.smpp_port)

    async def _close(self, client: smpp34.Client) -> None:
        """Unbind politely when bound, stop the client, let its threads settle."""
        smsc, self._smsc = self._smsc, None
        self._bound_event().clear()
        BOUND.set(0)
        if smsc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(smsc.unbind(), UNBIND_SECONDS)
        with contextlib.suppress(Exception):
            await client.stop()
        await asyncio.sleep(SETTLE_SECONDS)

    def _bound_event(self) -> asyncio.Event:
        if self._bound is None:
            self._bound = asyncio.Event()
        return self._bound

    def _window_gate(self) -> asyncio.Semaphore:
        if self._window is None:
            self._window = asyncio.Semaphore(self._settings.smpp_window)
        return self._window


def receipt_of(event: smpp34.DeliverSmEvent) -> DeliveryReceipt | None:
    tlvs = {tlv.tag: tlv for tlv in event.tlvs}
    receipted = tlvs.get(TLV_RECEIPTED_MESSAGE_ID)
    state = tlvs.get(TLV_MESSAGE_STATE)
    return parse_receipt(
        event.short_message,
        receipted.as_string() if receipted else None,
        state.as_int() if state else None,
    )
