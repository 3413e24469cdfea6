"""What the runtime reads (SPEC) and the app: consumers, the operator API, the retry loop, the
bind to the SMSC."""

from typing import Any

from fastapi import FastAPI

from common.contracts import NotificationDelivered, NotificationFailed
from common.revocations import follow_session_revocations
from common.service import ServiceSpec, build_app
from notifier.adapters.store import INDEXES, OUTBOX_COLLECTIONS
from notifier.api.routes import deliveries
from notifier.bootstrap import Notifier, bootstrap
from notifier.consumers import consumers
from notifier.settings import NotifierSettings
from notifier.use_cases.deliveries import retry_due
from notifier.use_cases.invoices import record_first_start, watch_not_emailed
from notifier.use_cases.sms import keep_bound

SPEC: ServiceSpec[Notifier] = ServiceSpec(
    name="notifier",
    title="notifier",
    description="Correos y SMS con un registro de entrega por evento y canal.",
    indexes=INDEXES,
    outbox_collections=OUTBOX_COLLECTIONS,
    publishes=[NotificationDelivered, NotificationFailed],
    routers=[deliveries.router],
    consumers=consumers,
    startup=[record_first_start],
    loops=[retry_due, watch_not_emailed, keep_bound, follow_session_revocations],
)


def build(settings: NotifierSettings | None = None, **overrides: Any) -> FastAPI:
    return build_app(SPEC, bootstrap(settings, **overrides))
