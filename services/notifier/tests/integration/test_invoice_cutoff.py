"""The invoice email's cut-off on the real FerretDB: the first start is recorded once in
``service_state`` and read back unchanged by a restart or a concurrent process; an invoice
authorized before it is remembered with its reason, not emailed and not counted, while an older
record without the reason still is (under FastStream's TestKafkaBroker)."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from faststream.kafka import TestKafkaBroker

from common.database import Database
from notifier.adapters.first_start import SERVICE_STATE, FirstStartStore
from notifier.adapters.invoice_store import INVOICE_MAILS
from notifier.adapters.store import DELIVERIES
from notifier.bootstrap import Notifier
from notifier.domain.invoices import AUTHORIZED_BEFORE_CUTOFF
from notifier.settings import NotifierSettings
from notifier.use_cases import invoices
from tests.support import unique_email

from .test_invoice_email import PDF, Documents, Rides, events, publish

MakeApp = Callable[..., Awaitable[FastAPI]]


def ms(at: datetime) -> datetime:
    """What the database keeps of an instant: milliseconds."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


async def test_the_first_start_is_recorded_at_start_up_and_kept_across_restarts(
    make_app: MakeApp,
) -> None:
    before = datetime.now(UTC)
    app = await make_app()  # runs the start-up steps, as the lifespan does
    after = datetime.now(UTC)
    database = app.state.runtime.database
    doc = await database[SERVICE_STATE].find_one({"_id": "first_start"})
    assert doc is not None and ms(before) <= doc["at"] <= after
    # Restarts (new processes: nothing cached), later, two of them at once.
    later = after + timedelta(days=3)
    restarted = await asyncio.gather(
        FirstStartStore(database).get_or_record(later),
        FirstStartStore(database).get_or_record(later + timedelta(seconds=1)),
    )
    assert restarted == [doc["at"], doc["at"]]
    assert await invoices.email_since(app.state.service) == doc["at"]
    assert await database[SERVICE_STATE].count_documents({}) == 1


async def test_two_processes_starting_at_once_on_a_new_database_agree(
    make_settings: Callable[..., NotifierSettings],
) -> None:
    settings = make_settings()  # its database is dropped afterwards
    database = Database(settings.mongodb_url, settings.database_name)
    started = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
    try:
        recorded = await asyncio.gather(
            FirstStartStore(database).get_or_record(started),
            FirstStartStore(database).get_or_record(started + timedelta(seconds=1)),
        )
    finally:
        await database.close()
    assert recorded[0] == recorded[1]  # whichever wrote first, both read the same
    assert recorded[0] in (ms(started), ms(started + timedelta(seconds=1)))


async def test_an_invoice_from_before_the_first_start_is_remembered_not_emailed(
    make_app: MakeApp,
) -> None:
    rides = Rides()
    app = await make_app(parts={"rides": rides, "documents": Documents()})
    svc: Notifier = app.state.service  # started (its first start recorded) just now
    old, old_ride = events(unique_email("vieja"), datetime.now(UTC) - timedelta(days=40))
    new, _ = events(unique_email("nueva"))
    rides.pdfs |= {old.data.access_key: PDF, new.data.access_key: PDF}
    async with TestKafkaBroker(app.state.runtime.broker):
        for event in (old, old_ride, new):  # the new one's RIDE is not rendered yet
            await publish(app, event)

    mails = app.state.runtime.database[INVOICE_MAILS]
    doc = await mails.find_one({"_id": old.data.invoice_id})
    assert doc is not None and doc["issued"]["number"] == old.data.number
    assert doc["not_emailed_reason"] == AUTHORIZED_BEFORE_CUTOFF and doc.get("emailed_at") is None
    deliveries = app.state.runtime.database[DELIVERIES]
    assert await deliveries.count_documents({"source_event_id": old.data.invoice_id}) == 0
    # A record written before the reason existed (no such field) is still counted.
    await mails.insert_one(
        {
            "_id": uuid.uuid4().hex,
            "emailed_at": None,
            "issued": {
                "email": "antes@correo.ec",
                "authorized_at": datetime.now(UTC) - timedelta(hours=2),
            },
        }
    )
    count, oldest = await invoices.measure(svc)
    assert count == 2  # the new invoice waiting for its RIDE, and the older record
    assert timedelta(hours=2) <= timedelta(seconds=oldest) < timedelta(hours=3)
