"""Wiring: settings → runtime → stores → consumers, routes and the retry loop."""

from fastapi import FastAPI

from common.auth import jwks_verifier
from common.contracts import NotificationDelivered, NotificationFailed
from common.service import Runtime, create_app
from notifier.api import Api, router
from notifier.emails import EmailRenderer
from notifier.handlers import Notifier, register_handlers, retry_due
from notifier.mailer import Mailer
from notifier.settings import NotifierSettings
from notifier.store import INDEXES, OUTBOX_COLLECTIONS, DeliveryStore, RecipientStore

PUBLISHES = [NotificationDelivered, NotificationFailed]


def build(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    runtime = Runtime.create(settings)
    runtime.indexes = INDEXES
    runtime.outbox_collections = OUTBOX_COLLECTIONS
    runtime.publishes = PUBLISHES
    notifier = Notifier(
        runtime=runtime,
        settings=settings,
        recipients=RecipientStore(runtime.database),
        deliveries=DeliveryStore(runtime.database),
        renderer=EmailRenderer(settings),
        mailer=Mailer(settings),
    )
    # Consumers are registered before create_app, so the topics they read are ensured at start.
    register_handlers(notifier)
    runtime.loops.append(lambda rt: retry_due(notifier))
    app = create_app(
        runtime,
        [router],
        title="notifier",
        description="Correos (y luego SMS) con un registro de entrega por evento y canal.",
    )
    app.state.notifier = notifier
    app.state.api = Api(
        deliveries=notifier.deliveries, verifier=jwks_verifier(settings.identity_jwks_url)
    )
    return app
