"""Send one email over SMTP (aiosmtplib) and say whether a failure is worth retrying."""

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from notifier.domain.errors import (
    DeliveryError,
    PermanentDeliveryError,
    SmtpStage,
    classify_smtp_reply,
    connection_problem,
)
from notifier.domain.messages import RenderedEmail
from notifier.settings import NotifierSettings


class SmtpMailer:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings
        self._sender = settings.sender()

    def message_id(self, delivery_id: str) -> str:
        """Stable per delivery: a retry after an unrecorded success carries the same id."""
        return f"<{delivery_id}@{self._sender.domain or 'notifier.local'}>"

    def build(
        self, rendered: RenderedEmail, to: str, message_id: str, now: datetime
    ) -> EmailMessage:
        try:
            recipient = Address(addr_spec=to)
        except (ValueError, IndexError) as exc:
            raise PermanentDeliveryError(f"invalid recipient address: {exc}") from None
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = recipient
        message["Subject"] = rendered.subject
        message["Date"] = format_datetime(now)
        message["Message-ID"] = message_id
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        message["Content-Language"] = "es-EC"
        message.set_content(rendered.text, subtype="plain", charset="utf-8")
        message.add_alternative(rendered.html, subtype="html", charset="utf-8")
        for attachment in rendered.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(
                attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return message

    async def send(self, message: EmailMessage) -> str:
        """Hand the message to the SMTP server; its final reply, or a :class:`DeliveryError`."""
        settings = self._settings
        try:
            _, reply = await aiosmtplib.send(
                message,
                sender=self._sender.addr_spec,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                start_tls=settings.smtp_starttls,
                use_tls=settings.smtp_use_tls,
                timeout=settings.smtp_timeout_seconds,
            )
        except Exception as exc:
            raise classify(exc) from None
        return reply


def classify(exc: BaseException) -> DeliveryError:
    """Map aiosmtplib's exceptions onto the domain's transient / permanent errors."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return classify_smtp_reply(SmtpStage.RCPT, first.code, first.message)
    stages: list[tuple[type[aiosmtplib.SMTPResponseException], SmtpStage]] = [
        (aiosmtplib.SMTPRecipientRefused, SmtpStage.RCPT),
        (aiosmtplib.SMTPSenderRefused, SmtpStage.MAIL),
        (aiosmtplib.SMTPDataError, SmtpStage.DATA),
        (aiosmtplib.SMTPAuthenticationError, SmtpStage.AUTH),
        (aiosmtplib.SMTPHeloError, SmtpStage.HELO),
        (aiosmtplib.SMTPConnectResponseError, SmtpStage.CONNECT),
        (aiosmtplib.SMTPResponseException, SmtpStage.SESSION),
    ]
    for kind, stage in stages:
        if isinstance(exc, kind):
            return classify_smtp_reply(stage, exc.code, exc.message)
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return connection_problem(f"timeout: {exc}")
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return connection_problem(f"{type(exc).__name__}: {exc}")
    # Anything else is unexpected (a bug, a library surprise): retry a bounded number of times
    # rather than losing the message on the first occurrence.
    return connection_problem(f"unexpected {type(exc).__name__}: {exc}")
