"""Identity's, billing's, rendering's and lines' events → notifier's use cases (group
"notifier").

Each handler turns the event into domain values and calls one use case; the runtime's
ReliableConsumer does idempotency, retries and the DLQ around them.
"""

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated

from faststream import Depends

from common.contracts import ActivationRequested, PasswordResetRequested, UserRegistered
from common.contracts.billing import (
    CreditNoteIssued,
    DebitNoteIssued,
    InvoiceIssued,
    InvoiceIssuedData,
    NoteIssuedData,
)
from common.contracts.identity import TokenMailData, UserProfile
from common.contracts.lines import LineRemoved, LineVerificationRequested
from common.contracts.rendering import RideRendered, RideRenderedData
from common.messaging import Consumers, PermanentError, service_from_context
from notifier.bootstrap import Notifier
from notifier.domain.errors import Undeliverable
from notifier.domain.invoices import IssuedInvoice, RenderedRide
from notifier.domain.lines import LineTransferred
from notifier.domain.messages import LinkMail, LinkRequest
from notifier.domain.notes import IssuedNote
from notifier.domain.recipients import Recipient
from notifier.domain.sms import LineCode, LineCodeRequest
from notifier.use_cases import deliveries, invoices, lines, notes, recipients

# cast=False: the service is handed over as built, not validated as a pydantic model (its parts
# are Protocols, which pydantic cannot check).
NotifierDep = Annotated[Notifier, Depends(service_from_context, cast=False)]

consumers = Consumers(group="notifier")


@consumers(UserRegistered)
async def remember_recipient(event: UserRegistered, svc: NotifierDep) -> None:
    """Keep the user's address, names and preferences (an upsert: replays are harmless)."""
    await recipients.remember(svc, recipient_of(event.data), svc.clock())


@consumers(ActivationRequested)
async def email_activation(event: ActivationRequested, svc: NotifierDep) -> None:
    """Email the activation link: the welcome email at sign-up, a shorter one on resend."""
    await _email_link(svc, event)


@consumers(PasswordResetRequested)
async def email_password_reset(event: PasswordResetRequested, svc: NotifierDep) -> None:
    """Email the password-reset link."""
    await _email_link(svc, event)


async def _email_link(svc: Notifier, event: ActivationRequested | PasswordResetRequested) -> None:
    await _undeliverable_is_permanent(deliveries.email_link(svc, link_request(event)))


@consumers(InvoiceIssued)
async def remember_invoice(event: InvoiceIssued, svc: NotifierDep) -> None:
    """Keep what the invoice email needs (the authorized XML fetched from billing: billing down
    is waited out, other bytes than the event names go to the DLQ); email it if its RIDE is
    already rendered."""
    issued = issued_invoice(event.data)
    await _undeliverable_is_permanent(
        invoices.remember_issued(svc, issued, svc.clock(), event.correlation_id)
    )


@consumers(CreditNoteIssued)
async def remember_credit_note(event: CreditNoteIssued, svc: NotifierDep) -> None:
    """Keep what the credit note's email needs (its XML fetched as an invoice's); email it if
    its RIDE is already rendered."""
    await _remember_note(svc, event.data, event.correlation_id)


@consumers(DebitNoteIssued)
async def remember_debit_note(event: DebitNoteIssued, svc: NotifierDep) -> None:
    """Keep what the debit note's email needs; email it if its RIDE is already rendered."""
    await _remember_note(svc, event.data, event.correlation_id)


async def _remember_note(svc: Notifier, data: NoteIssuedData, correlation_id: str | None) -> None:
    await _undeliverable_is_permanent(
        notes.remember_issued(svc, issued_note(data), svc.clock(), correlation_id)
    )


@consumers(RideRendered)
async def email_invoice(event: RideRendered, svc: NotifierDep) -> None:
    """The RIDE is ready: email the invoice or note (or wait for its event, which then does)."""
    ride = rendered_ride(event.data)
    remember = invoices.remember_ride if event.data.doc_type == "01" else notes.remember_ride
    await _undeliverable_is_permanent(remember(svc, ride, svc.clock(), event.correlation_id))


@consumers(LineVerificationRequested)
async def sms_line_code(event: LineVerificationRequested, svc: NotifierDep) -> None:
    """SMS the code that proves control of the line (never after it expires)."""
    await _undeliverable_is_permanent(lines.send_line_code(svc, line_code_request(event)))


@consumers(LineRemoved)
async def email_line_transferred(event: LineRemoved, svc: NotifierDep) -> None:
    """Another account verified the line: tell the user who held it (a plain removal: nothing)."""
    if event.data.reason != "transferred":
        return
    await _undeliverable_is_permanent(lines.email_line_transferred(svc, line_transferred(event)))


async def _undeliverable_is_permanent(work: Awaitable[None]) -> None:
    # Recorded as failed, NotificationFailed on its way: the source message goes to the DLQ.
    try:
        await work
    except Undeliverable as failed:
        raise PermanentError(str(failed)) from failed


def issued_invoice(data: InvoiceIssuedData) -> IssuedInvoice:
    return IssuedInvoice(
        invoice_id=data.invoice_id,
        account_id=data.account_id,
        email=data.holder.email,
        holder_name=data.holder.name,
        number=data.number,
        period=data.period,
        total=data.totals.total,
        access_key=data.access_key,
        authorized_at=data.authorized_at,
        authorized_xml_sha256=data.authorized_xml_sha256,
        authorized_xml_size=data.authorized_xml_size,
    )


def issued_note(data: NoteIssuedData) -> IssuedNote:
    return IssuedNote(
        note_id=data.note_id,
        doc_type=data.doc_type,
        account_id=data.account_id,
        email=data.holder.email,
        holder_name=data.holder.name,
        number=data.number,
        issue_date=data.issue_date,
        modified_number=data.modified_number,
        modified_issue_date=data.modified_issue_date,
        reason=data.reason,
        total=data.totals.total,
        access_key=data.access_key,
        authorized_at=data.authorized_at,
        authorized_xml_sha256=data.authorized_xml_sha256,
        authorized_xml_size=data.authorized_xml_size,
    )


def rendered_ride(data: RideRenderedData) -> RenderedRide:
    return RenderedRide(
        invoice_id=data.invoice_id, access_key=data.access_key, size=data.size, sha256=data.sha256
    )


def recipient_of(profile: UserProfile) -> Recipient:
    """Only what the notifier needs (not the identification number)."""
    return Recipient(
        user_id=profile.user_id,
        email=profile.email,
        given_names=profile.given_names,
        surnames=profile.surnames,
    )


def link_request(event: ActivationRequested | PasswordResetRequested) -> LinkRequest:
    return LinkRequest(
        event_id=str(event.event_id),
        event_type=event.event_type,
        correlation_id=event.correlation_id,
        user_id=event.data.user_id,
        mail=link_mail(event.data, event.occurred_at),
    )


def link_mail(data: TokenMailData, issued_at: datetime) -> LinkMail:
    """The link is enough: the token is not copied a second time into the delivery."""
    return LinkMail(
        given_names=data.given_names,
        surnames=data.surnames,
        email=data.email,
        link=data.link,
        issued_at=issued_at,
        expires_at=data.expires_at,
        reason=data.reason,
    )


def line_code_request(event: LineVerificationRequested) -> LineCodeRequest:
    data = event.data
    return LineCodeRequest(
        event_id=str(event.event_id),
        event_type=event.event_type,
        correlation_id=event.correlation_id,
        user_id=data.user_id,
        destination=data.destination,
        code=LineCode(
            code=data.code,
            expires_at=data.expires_at,
            line_id=data.line_id,
            send_number=data.send_number,
        ),
    )


def line_transferred(event: LineRemoved) -> LineTransferred:
    return LineTransferred(
        event_id=str(event.event_id),
        event_type=event.event_type,
        correlation_id=event.correlation_id,
        user_id=event.data.user_id,
        number=event.data.number,
        removed_at=event.data.occurred_at,
    )
