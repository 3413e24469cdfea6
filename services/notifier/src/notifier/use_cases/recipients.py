"""Who the notifier writes to."""

from datetime import datetime

from common.logging import get_logger
from notifier.domain.recipients import Recipient
from notifier.ports import NotifierPorts

log = get_logger(__name__)


async def remember(svc: NotifierPorts, recipient: Recipient, now: datetime) -> None:
    """Keep the user's address, names and preferences (an upsert: replays are harmless)."""
    await svc.recipients.upsert(recipient, now)
    log.info("recipient_saved", user_id=recipient.user_id)
