"""What lines' events ask of the notifier: the SMS code that proves control of a line, and the
email to a user whose line another account verified."""

from common.logging import get_logger
from notifier.domain.lines import LineTransfer, LineTransferred
from notifier.domain.sms import LineCodeRequest
from notifier.ports import NotifierPorts
from notifier.use_cases import deliveries, emails, sms

log = get_logger(__name__)


async def send_line_code(svc: NotifierPorts, request: LineCodeRequest) -> None:
    """SMS the code once per source event, retried from its delivery while it is valid."""
    await deliveries.deliver(svc, sms.line_code_delivery(request, svc.clock()))


async def email_line_transferred(svc: NotifierPorts, notice: LineTransferred) -> None:
    """Tell the previous holder, once per event, that their line went to another account."""
    recipient = await svc.recipients.get(notice.user_id)
    if recipient is None:
        log.warning("line_transferred_without_recipient", user_id=notice.user_id)
        return
    transfer = LineTransfer.of(
        recipient.given_names, recipient.email, notice.number, notice.removed_at
    )
    delivery = emails.line_transferred_delivery(notice, transfer, svc.clock())
    await deliveries.deliver(svc, delivery)
