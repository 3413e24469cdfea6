"""No flood of old invoice emails: an invoice authorized before the cut-off (INVOICE_EMAIL_SINCE,
or when notifier first started on its database) is remembered with its reason and not emailed,
in either event order, and left out of the not-emailed gauges; the first start recorded once
stays the cut-off across restarts."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from notifier.bootstrap import Notifier, bootstrap
from notifier.consumers import email_invoice, remember_invoice
from notifier.domain.invoices import AUTHORIZED_BEFORE_CUTOFF, NO_EMAIL
from notifier.settings import NotifierSettings
from notifier.use_cases import invoices

from .fakes import FakeClock, FakeFirstStart, FakeInvoiceMails, FakeRides, parts
from .test_invoice_email import ACCESS_KEY, PDF, SETTINGS, XML, documents, issued, rendered, sent

AUTHORIZED = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # issued()'s authorized_at


def service(started: datetime, settings: NotifierSettings = SETTINGS, **changes: Any) -> Notifier:
    """A notifier whose clock reads ``started`` (its start-up, unless the store knows one)."""
    svc = bootstrap(settings, **parts(settings, clock=FakeClock(started), **changes))
    assert isinstance(svc.rides, FakeRides)
    svc.rides.pdfs[ACCESS_KEY] = PDF
    documents(svc).served[ACCESS_KEY] = XML.encode()
    return svc


def mails(svc: Notifier) -> FakeInvoiceMails:
    assert isinstance(svc.invoice_mails, FakeInvoiceMails)
    return svc.invoice_mails


@pytest.mark.parametrize("ride_first", [False, True], ids=["issued-first", "ride-first"])
async def test_an_invoice_authorized_before_the_first_start_is_remembered_not_emailed(
    ride_first: bool,
) -> None:
    svc = service(started=AUTHORIZED + timedelta(seconds=1))
    await invoices.record_first_start(svc)
    if ride_first:
        await email_invoice(rendered(), svc)
    await remember_invoice(issued(), svc)
    await email_invoice(rendered(), svc)
    assert sent(svc) == []
    mail = mails(svc).mails["inv-1"]
    assert mail.issued is not None and mail.ride is not None and mail.emailed_at is None
    assert mail.not_emailed_reason == AUTHORIZED_BEFORE_CUTOFF
    assert await invoices.measure(svc) == (0, 0.0)


async def test_an_invoice_authorized_at_or_after_the_first_start_is_emailed() -> None:
    svc = service(started=AUTHORIZED)
    await invoices.record_first_start(svc)
    await remember_invoice(issued(), svc)
    await remember_invoice(issued(invoice_id="inv-2", authorized_at=AUTHORIZED - timedelta(1)), svc)
    await email_invoice(rendered(), svc)
    await email_invoice(rendered(invoice_id="inv-2"), svc)
    [message] = sent(svc)
    assert message["To"] == "maria@correo.ec"
    assert mails(svc).mails["inv-1"].not_emailed_reason is None
    assert mails(svc).mails["inv-2"].not_emailed_reason == AUTHORIZED_BEFORE_CUTOFF
    # The XML is fetched from billing only for the invoice to be emailed.
    assert documents(svc).fetched == [ACCESS_KEY]
    assert mails(svc).mails["inv-2"].issued.authorized_xml is None


async def test_the_first_start_is_recorded_once_and_kept_across_restarts() -> None:
    database = FakeFirstStart()  # what service_state holds, shared by both processes
    first = service(started=AUTHORIZED - timedelta(days=30), first_start=database)
    await invoices.record_first_start(first)
    restarted = service(started=AUTHORIZED + timedelta(days=1), first_start=database)
    await invoices.record_first_start(restarted)
    assert await invoices.email_since(restarted) == AUTHORIZED - timedelta(days=30)
    await remember_invoice(issued(), restarted)  # authorized between the two starts
    await email_invoice(rendered(), restarted)
    assert len(sent(restarted)) == 1


async def test_invoice_email_since_overrides_the_first_start_which_is_still_recorded() -> None:
    settings = SETTINGS.model_copy(update={"invoice_email_since": AUTHORIZED + timedelta(hours=1)})
    database = FakeFirstStart()
    svc = service(started=AUTHORIZED - timedelta(days=30), settings=settings, first_start=database)
    await invoices.record_first_start(svc)
    assert database.at == AUTHORIZED - timedelta(days=30)
    await remember_invoice(issued(), svc)
    await email_invoice(rendered(), svc)
    assert sent(svc) == []
    assert mails(svc).mails["inv-1"].not_emailed_reason == AUTHORIZED_BEFORE_CUTOFF


async def test_without_a_start_up_step_the_first_invoice_records_the_first_start() -> None:
    svc = service(started=AUTHORIZED + timedelta(minutes=5))
    await remember_invoice(issued(), svc)  # e.g. consumers run without the lifespan
    assert mails(svc).mails["inv-1"].not_emailed_reason == AUTHORIZED_BEFORE_CUTOFF
    assert await invoices.email_since(svc) == AUTHORIZED + timedelta(minutes=5)


async def test_a_holder_without_email_is_remembered_with_that_reason() -> None:
    svc = service(started=AUTHORIZED - timedelta(days=1))
    await remember_invoice(
        issued(holder=issued().data.holder.model_copy(update={"email": None})), svc
    )
    assert mails(svc).mails["inv-1"].not_emailed_reason == NO_EMAIL


def test_invoice_email_since_is_read_from_iso_with_an_offset() -> None:
    settings = NotifierSettings(invoice_email_since="2026-12-01T00:00:00-05:00")  # type: ignore[arg-type]
    assert settings.invoice_email_since == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert NotifierSettings().invoice_email_since is None
    with pytest.raises(ValidationError, match="INVOICE_EMAIL_SINCE needs an offset"):
        NotifierSettings(invoice_email_since="2026-12-01T00:00:00")  # type: ignore[arg-type]
