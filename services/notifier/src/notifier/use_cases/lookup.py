"""What operators ask about deliveries."""

from common.errors import InvalidInput
from notifier.domain.deliveries import Delivery
from notifier.ports import NotifierPorts


async def find_deliveries(
    svc: NotifierPorts, *, event_id: str | None, recipient: str | None, limit: int
) -> list[Delivery]:
    """Deliveries of one source event, or to one address (newest first)."""
    if not (event_id or recipient):
        message = "Indica event_id o recipient."
        raise InvalidInput({"event_id": message, "recipient": message})
    return await svc.deliveries.search(source_event_id=event_id, recipient=recipient, limit=limit)
