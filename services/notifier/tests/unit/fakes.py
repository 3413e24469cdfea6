"""In-memory stand-ins for notifier's ports: the store keeps copies (as a database would), with
the same claim rules as adapters/store.py; the mailer builds real messages and keeps them; the
SMS gateway keeps what it was asked to submit."""

import asyncio
import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from common.contracts.base import Event
from common.testing import FakeDocuments
from notifier.adapters.smtp import SmtpMailer
from notifier.domain.deliveries import OPEN_STATUSES, Delivery
from notifier.domain.errors import DeliveryError
from notifier.domain.invoices import InvoiceMail, IssuedInvoice, RenderedRide
from notifier.domain.notes import IssuedNote, NoteMail
from notifier.domain.recipients import Recipient
from notifier.domain.sms import DeliveryReceipt, OutgoingSms
from notifier.events import to_wire
from notifier.ports import OnReceipt, RideUnavailable, StoreUnavailable
from notifier.settings import NotifierSettings

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeRecipients:
    def __init__(self) -> None:
        self.saved: dict[str, tuple[Recipient, datetime]] = {}

    async def upsert(self, recipient: Recipient, now: datetime) -> None:
        self.saved[recipient.user_id] = (recipient, now)

    async def get(self, user_id: str) -> Recipient | None:
        saved = self.saved.get(user_id)
        return saved[0] if saved else None


@dataclass
class _Row:
    delivery: Delivery
    claim_id: str | None
    claimed_until: datetime


@dataclass
class FakeDeliveries:
    """Deliveries by id; ``outbox`` holds the wire events of every recorded outcome."""

    rows: dict[str, _Row] = field(default_factory=dict)
    outbox: list[Event] = field(default_factory=list)
    # How many of the next record() calls fail as if the database were down.
    record_failures: int = 0

    async def create_claimed(
        self, delivery: Delivery, now: datetime, lease: timedelta
    ) -> str | None:
        if await self.by_source(delivery.source_event_id, delivery.channel):
            return None  # the unique index on (source_event_id, channel)
        claim_id = uuid.uuid4().hex
        self.rows[delivery.delivery_id] = _Row(copy.deepcopy(delivery), claim_id, now + lease)
        return claim_id

    async def by_source(self, source_event_id: str, channel: str) -> Delivery | None:
        for row in self.rows.values():
            d = row.delivery
            if d.source_event_id == source_event_id and d.channel == channel:
                return copy.deepcopy(d)
        return None

    async def due(self, now: datetime, limit: int) -> list[str]:
        due = [
            (row.delivery.next_attempt_at, delivery_id)
            for delivery_id, row in self.rows.items()
            if row.delivery.status in OPEN_STATUSES
            and row.delivery.next_attempt_at is not None
            and row.delivery.next_attempt_at <= now
            and row.claimed_until < now
        ]
        return [delivery_id for _, delivery_id in sorted(due)[:limit]]

    async def claim(
        self, delivery_id: str, now: datetime, lease: timedelta
    ) -> tuple[Delivery, str] | None:
        row = self.rows.get(delivery_id)
        if row is None or row.delivery.is_final or row.claimed_until >= now:
            return None
        row.claim_id, row.claimed_until = uuid.uuid4().hex, now + lease
        return copy.deepcopy(row.delivery), row.claim_id

    async def record(self, delivery: Delivery, claim_id: str, now: datetime) -> bool:
        if self.record_failures:
            self.record_failures -= 1
            raise StoreUnavailable("database blinked")
        row = self.rows.get(delivery.delivery_id)
        if row is None or row.claim_id != claim_id:
            return False
        stored = copy.deepcopy(delivery)
        stored.events = []
        if stored.is_final:
            stored.payload = None
        self.outbox += [to_wire(event) for event in delivery.events]
        self.rows[delivery.delivery_id] = _Row(stored, None, now)
        delivery.events = []
        return True

    async def search(
        self, *, source_event_id: str | None = None, recipient: str | None = None, limit: int = 100
    ) -> list[Delivery]:
        found = [
            copy.deepcopy(row.delivery)
            for row in self.rows.values()
            if (not source_event_id or row.delivery.source_event_id == source_event_id)
            and (not recipient or row.delivery.recipient.casefold() == recipient.casefold())
        ]
        found.sort(key=lambda d: d.created_at, reverse=True)
        return found[:limit]

    async def record_receipt(self, receipt: DeliveryReceipt, now: datetime) -> bool:
        for row in self.rows.values():
            d = row.delivery
            if (
                d.channel == "sms"
                and receipt.message_id
                and d.provider_message_id == receipt.message_id
            ):
                d.dlr_status, d.dlr_error, d.dlr_at = receipt.status, receipt.error, now
                return True
        return False

    def get(self, delivery_id: str) -> Delivery:
        return self.rows[delivery_id].delivery

    def only(self) -> Delivery:
        [row] = self.rows.values()
        return row.delivery


class FakeMailer(SmtpMailer):
    """Builds the real message; ``send`` keeps it, or raises what ``failures`` holds next."""

    def __init__(self, settings: NotifierSettings) -> None:
        super().__init__(settings)
        self.sent: list[EmailMessage] = []
        self.failures: list[Exception] = []
        self.delivered = asyncio.Event()  # set by the first message sent

    async def send(self, message: EmailMessage) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        self.delivered.set()
        return "250 2.0.0 Ok: queued"

    def fail_with(self, *errors: DeliveryError | Exception) -> None:
        self.failures.extend(errors)


@dataclass
class SentSms:
    sms: OutgoingSms
    deadline: datetime | None
    message_id: str


class FakeSms:
    """The SMSC: ``send`` keeps each SMS (its message id "sms-<n>"), or raises what ``failures``
    holds next; ``run`` hands over the receipts put in ``receipts`` until cancelled."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.failures: list[Exception] = []
        self.receipts: asyncio.Queue[DeliveryReceipt] = asyncio.Queue()
        self.running = asyncio.Event()

    async def send(self, sms: OutgoingSms, deadline: datetime | None) -> str:
        if self.failures:
            raise self.failures.pop(0)
        message_id = f"sms-{len(self.sent) + 1}"
        self.sent.append(SentSms(sms, deadline, message_id))
        return message_id

    async def run(self, on_receipt: OnReceipt) -> None:
        self.running.set()
        while True:
            await on_receipt(await self.receipts.get())

    def fail_with(self, *errors: DeliveryError | Exception) -> None:
        self.failures.extend(errors)


class FakeInvoiceMails:
    def __init__(self) -> None:
        self.mails: dict[str, InvoiceMail] = {}

    def _mail(self, invoice_id: str) -> InvoiceMail:
        return self.mails.get(invoice_id, InvoiceMail(invoice_id))

    async def remember_issued(
        self, invoice: IssuedInvoice, now: datetime, not_emailed_reason: str | None
    ) -> None:
        mail = self._mail(invoice.invoice_id)
        self.mails[invoice.invoice_id] = replace(
            mail, issued=invoice, not_emailed_reason=not_emailed_reason
        )

    async def remember_ride(self, ride: RenderedRide, now: datetime) -> None:
        mail = self._mail(ride.invoice_id)
        self.mails[ride.invoice_id] = replace(mail, ride=ride)

    async def get(self, invoice_id: str) -> InvoiceMail | None:
        return self.mails.get(invoice_id)

    async def mark_emailed(self, invoice_id: str, now: datetime) -> None:
        self.mails[invoice_id] = replace(self._mail(invoice_id), emailed_at=now)

    async def not_emailed(self) -> list[datetime]:
        return [
            m.issued.authorized_at
            for m in self.mails.values()
            if m.emailed_at is None
            and m.not_emailed_reason is None
            and m.issued is not None
            and m.issued.email
        ]


class FakeNoteMails:
    def __init__(self) -> None:
        self.mails: dict[str, NoteMail] = {}

    def _mail(self, note_id: str) -> NoteMail:
        return self.mails.get(note_id, NoteMail(note_id))

    async def remember_issued(
        self, note: IssuedNote, now: datetime, not_emailed_reason: str | None
    ) -> None:
        mail = self._mail(note.note_id)
        self.mails[note.note_id] = replace(mail, issued=note, not_emailed_reason=not_emailed_reason)

    async def remember_ride(self, ride: RenderedRide, now: datetime) -> None:
        self.mails[ride.invoice_id] = replace(self._mail(ride.invoice_id), ride=ride)

    async def get(self, note_id: str) -> NoteMail | None:
        return self.mails.get(note_id)

    async def mark_emailed(self, note_id: str, now: datetime) -> None:
        self.mails[note_id] = replace(self._mail(note_id), emailed_at=now)


class FakeFirstStart:
    """service_state's first start: the first ``now`` it is given, kept (shared by "restarts"
    of a service, as a database would be)."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at

    async def get_or_record(self, now: datetime) -> datetime:
        if self.at is None:
            self.at = now
        return self.at


class FakeRides:
    """RIDEs by clave de acceso; ``failures`` are raised first, one per fetch."""

    def __init__(self) -> None:
        self.pdfs: dict[str, bytes] = {}
        self.failures: list[Exception] = []
        self.fetched: list[str] = []

    async def fetch(self, access_key: str) -> bytes:
        self.fetched.append(access_key)
        if self.failures:
            raise self.failures.pop(0)
        if access_key not in self.pdfs:
            raise RideUnavailable("404")
        return self.pdfs[access_key]


def parts(settings: NotifierSettings, **changes: Any) -> dict[str, Any]:
    """The overrides that keep a notifier off the network (for bootstrap / build)."""
    return {
        "recipients": FakeRecipients(),
        "deliveries": FakeDeliveries(),
        "invoice_mails": FakeInvoiceMails(),
        "note_mails": FakeNoteMails(),
        "first_start": FakeFirstStart(),
        "rides": FakeRides(),
        "documents": FakeDocuments(),
        "mailer": FakeMailer(settings),
        "sms": FakeSms(),
        "clock": FakeClock(),
        "jitter": lambda: 0.5,
    } | changes


def make_delivery(
    delivery_id: str = "d1",
    *,
    source_event_id: str = "e1",
    recipient: str = "ana.quispe@correo.com",
    link: str = "http://x/activar?token=SECRET",
    now: datetime = T0,
    correlation_id: str | None = "c1",
) -> Delivery:
    """A new welcome-email delivery, as the consumer creates one for ActivationRequested."""
    return Delivery.create(
        delivery_id=delivery_id,
        source_event_id=source_event_id,
        source_event_type="identity.activation_requested",
        channel="email",
        template="welcome",
        recipient=recipient,
        user_id="u1",
        payload={"link": link},
        now=now,
        correlation_id=correlation_id,
    )
