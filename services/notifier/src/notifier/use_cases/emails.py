"""The email channel: which delivery a link request becomes, and how one email is sent.

An SMS channel gets a module like this one (its delivery, its send) and a line in
``deliveries.SENDERS``; the delivery lifecycle stays as it is.
"""

import uuid
from datetime import datetime
from typing import Literal

from notifier.domain.deliveries import Delivery
from notifier.domain.messages import LinkMail, LinkRequest, Template, template_for
from notifier.ports import NotifierPorts

EMAIL: Literal["email"] = "email"


def link_delivery(request: LinkRequest, now: datetime) -> Delivery:
    """The delivery of a single-use-link email; its payload is enough to render it again."""
    template = template_for(request.event_type, request.mail.reason)
    return Delivery.create(
        delivery_id=uuid.uuid4().hex,
        source_event_id=request.event_id,
        source_event_type=request.event_type,
        channel=EMAIL,
        template=template.value,
        recipient=request.mail.email,
        user_id=request.user_id,
        payload=request.mail.to_payload(),
        now=now,
        correlation_id=request.correlation_id,
    )


async def send_email(svc: NotifierPorts, delivery: Delivery) -> str:
    """Render and send one email: its Message-ID, or a DeliveryError."""
    mail = LinkMail.from_payload(delivery.payload or {})
    rendered = svc.renderer.render(Template(delivery.template), mail)
    message_id = svc.mailer.message_id(delivery.delivery_id)
    message = svc.mailer.build(rendered, delivery.recipient, message_id, svc.clock())
    await svc.mailer.send(message)
    return message_id
