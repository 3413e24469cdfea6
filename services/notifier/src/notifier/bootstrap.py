"""The service object: settings, runtime and every part the use cases, consumers and routes
need, built without I/O (clients connect on first use). Tests replace any part by name."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from common.auth import TokenVerifier, jwks_verifier
from common.documents import BillingDocuments
from common.revocations import RevocationList
from common.service import Runtime
from notifier.adapters.email_renderer import JinjaEmailRenderer
from notifier.adapters.first_start import FirstStartStore
from notifier.adapters.invoice_store import InvoiceMailStore
from notifier.adapters.note_store import NoteMailStore
from notifier.adapters.rides import HttpRideSource
from notifier.adapters.smpp import SmppGateway
from notifier.adapters.smtp import SmtpMailer
from notifier.adapters.store import DeliveryStore, RecipientStore
from notifier.domain.backoff import RetryPolicy
from notifier.ports import (
    Clock,
    Deliveries,
    EmailRenderer,
    FirstStart,
    FiscalDocuments,
    InvoiceMails,
    Jitter,
    Mailer,
    NoteMails,
    Recipients,
    RideSource,
    SmsGateway,
)
from notifier.settings import NotifierSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Notifier:
    """Everything the consumers, the retry loop and the routes need, built once."""

    runtime: Runtime
    settings: NotifierSettings
    recipients: Recipients
    deliveries: Deliveries
    invoice_mails: InvoiceMails
    note_mails: NoteMails
    first_start: FirstStart
    rides: RideSource
    documents: FiscalDocuments
    renderer: EmailRenderer
    mailer: Mailer
    sms: SmsGateway
    # Checks operators' access tokens (identity's JWKS).
    verifier: TokenVerifier
    clock: Clock = utc_now
    jitter: Jitter = random.random

    @property
    def policy(self) -> RetryPolicy:
        return self.settings.retry_policy()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.claim_seconds)


def bootstrap(settings: NotifierSettings | None = None, **overrides: Any) -> Notifier:
    settings = settings or NotifierSettings()
    runtime = Runtime.create(settings)
    parts: dict[str, Any] = {
        "recipients": RecipientStore(runtime.database),
        "deliveries": DeliveryStore(runtime.database),
        "invoice_mails": InvoiceMailStore(runtime.database),
        "note_mails": NoteMailStore(runtime.database),
        "first_start": FirstStartStore(runtime.database),
        "rides": HttpRideSource(settings, utc_now),
        "documents": BillingDocuments(
            settings.billing_url,
            settings.document_link_secret,
            settings.document_fetch_timeout_seconds,
        ),
        "renderer": JinjaEmailRenderer(settings),
        "mailer": SmtpMailer(settings),
        "sms": SmppGateway(settings, utc_now),
        "verifier": jwks_verifier(settings.identity_jwks_url, RevocationList()),
    } | overrides
    return Notifier(runtime=runtime, settings=settings, **parts)
