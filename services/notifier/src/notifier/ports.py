"""What the use cases need from the outside, as Protocols (adapters/ and tests/unit/fakes.py
implement them). Channel-specific ports (email's renderer and mailer, SMS's gateway) sit beside
each other; the delivery lifecycle does not depend on them."""

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from notifier.domain.backoff import RetryPolicy
from notifier.domain.deliveries import Delivery
from notifier.domain.invoices import InvoiceMail, IssuedInvoice, RenderedRide
from notifier.domain.lines import LineTransfer
from notifier.domain.messages import LinkMail, RenderedEmail, Template
from notifier.domain.notes import IssuedNote, NoteMail
from notifier.domain.recipients import Recipient
from notifier.domain.sms import DeliveryReceipt, OutgoingSms

Clock = Callable[[], datetime]
# A uniform draw in [0, 1): spreads retries (RetryPolicy's jitter).
Jitter = Callable[[], float]


class StoreUnavailable(Exception):
    """The database did not answer (or not in time): the write may be tried again."""


class Recipients(Protocol):
    async def upsert(self, recipient: Recipient, now: datetime) -> None: ...

    async def get(self, user_id: str) -> Recipient | None: ...


class Deliveries(Protocol):
    """Deliveries, sent only by whoever holds the claim (see adapters/store.py)."""

    async def create_claimed(
        self, delivery: Delivery, now: datetime, lease: timedelta
    ) -> str | None: ...

    async def by_source(self, source_event_id: str, channel: str) -> Delivery | None: ...

    async def due(self, now: datetime, limit: int) -> list[str]: ...

    async def claim(
        self, delivery_id: str, now: datetime, lease: timedelta
    ) -> tuple[Delivery, str] | None: ...

    async def record(self, delivery: Delivery, claim_id: str, now: datetime) -> bool:
        """False if the claim was lost; :class:`StoreUnavailable` if the database failed."""
        ...

    async def search(
        self, *, source_event_id: str | None = None, recipient: str | None = None, limit: int = 100
    ) -> list[Delivery]: ...

    async def record_receipt(self, receipt: DeliveryReceipt, now: datetime) -> bool:
        """Note an SMSC's receipt on the SMS it names; False if no delivery has that id."""
        ...


class InvoiceMails(Protocol):
    """What each invoice's email needs, kept by invoice id (upserts: replays are harmless)."""

    async def remember_issued(
        self, invoice: IssuedInvoice, now: datetime, not_emailed_reason: str | None
    ) -> None:
        """Keep InvoiceIssued's half, and why the invoice is not to be emailed (None: it is)."""
        ...

    async def remember_ride(self, ride: RenderedRide, now: datetime) -> None: ...

    async def get(self, invoice_id: str) -> InvoiceMail | None: ...

    async def mark_emailed(self, invoice_id: str, now: datetime) -> None: ...

    async def not_emailed(self) -> list[datetime]:
        """When each invoice still to be emailed (an address, no reason not to) but not emailed
        yet was authorized."""
        ...


class NoteMails(Protocol):
    """What each credit or debit note's email needs, kept by note id (upserts)."""

    async def remember_issued(
        self, note: IssuedNote, now: datetime, not_emailed_reason: str | None
    ) -> None: ...

    async def remember_ride(self, ride: RenderedRide, now: datetime) -> None: ...

    async def get(self, note_id: str) -> NoteMail | None: ...

    async def mark_emailed(self, note_id: str, now: datetime) -> None: ...


class FirstStart(Protocol):
    """When notifier first started on its database."""

    async def get_or_record(self, now: datetime) -> datetime:
        """``now`` the first time ever (recorded), the recorded instant from then on."""
        ...


class RideUnavailable(Exception):
    """The RIDE could not be fetched from rendering now (down, not there, not intact)."""


class RideSource(Protocol):
    async def fetch(self, access_key: str) -> bytes:
        """The RIDE's PDF, or :class:`RideUnavailable`."""
        ...


class FiscalDocuments(Protocol):
    """billing's authorized XML by clave de acceso (common.documents.BillingDocuments)."""

    async def authorized_xml(self, access_key: str, sha256: str, size: int) -> bytes:
        """The XML, exactly the bytes of that digest and size. Raises a TransientError while
        billing cannot answer, a PermanentError for a clave it does not have or other bytes."""
        ...


class EmailRenderer(Protocol):
    def render(self, template: Template, mail: LinkMail) -> RenderedEmail: ...

    def render_invoice(self, invoice: IssuedInvoice) -> RenderedEmail:
        """The invoice email without its attachments."""
        ...

    def render_line_transferred(self, transfer: LineTransfer) -> RenderedEmail: ...

    def render_note(self, note: IssuedNote) -> RenderedEmail:
        """A credit or debit note's email without its attachments."""
        ...


class Mailer(Protocol):
    def message_id(self, delivery_id: str) -> str: ...

    def build(
        self, rendered: RenderedEmail, to: str, message_id: str, now: datetime
    ) -> EmailMessage: ...

    async def send(self, message: EmailMessage) -> str:
        """The server's final reply, or a DeliveryError (transient or permanent)."""
        ...


# Called by the gateway for every delivery receipt the SMSC sends.
OnReceipt = Callable[[DeliveryReceipt], Coroutine[Any, Any, None]]


class SmsGateway(Protocol):
    """An SMSC (SMPP): one bind held by :meth:`run`, used by :meth:`send`."""

    async def send(self, sms: OutgoingSms, deadline: datetime | None) -> str:
        """The SMSC's message id, or a DeliveryError; never submits at or after ``deadline``."""
        ...

    async def run(self, on_receipt: OnReceipt) -> None:
        """Bind, stay bound (rebinding with backoff), hand receipts over; until cancelled."""
        ...


class RetryLoopSettings(Protocol):
    """How the retry loop paces itself, the brand the messages name, the invoice email's cut-off
    (NotifierSettings)."""

    @property
    def brand_name(self) -> str: ...

    @property
    def retry_poll_seconds(self) -> float: ...

    @property
    def retry_batch_size(self) -> int: ...

    @property
    def retry_concurrency(self) -> int: ...

    @property
    def smtp_timeout_seconds(self) -> float: ...

    @property
    def invoice_scan_seconds(self) -> float: ...

    @property
    def invoice_email_since(self) -> datetime | None: ...


class NotifierPorts(Protocol):
    """The service object as the use cases see it (bootstrap.Notifier implements it)."""

    @property
    def recipients(self) -> Recipients: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def invoice_mails(self) -> InvoiceMails: ...

    @property
    def note_mails(self) -> NoteMails: ...

    @property
    def first_start(self) -> FirstStart: ...

    @property
    def rides(self) -> RideSource: ...

    @property
    def documents(self) -> FiscalDocuments: ...

    @property
    def renderer(self) -> EmailRenderer: ...

    @property
    def mailer(self) -> Mailer: ...

    @property
    def sms(self) -> SmsGateway: ...

    @property
    def settings(self) -> RetryLoopSettings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def jitter(self) -> Jitter: ...

    @property
    def policy(self) -> RetryPolicy: ...

    @property
    def lease(self) -> timedelta: ...
