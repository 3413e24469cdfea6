"""The invoice side's stores on the real database (FerretDB): the submitter's compare-and-set
steps with their history and outbox events, the equality-only reads, bill runs written by
changes and increments. Every scenario of the state machine runs on fakes in
tests/unit/test_submission_steps.py; here a few prove the same on the real documents."""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from billing.adapters.sri_client import Reception, SriUnavailable
from billing.adapters.store import INDEXES
from billing.adapters.store.invoices import INVOICES, BillRunStore, InvoiceStore
from billing.app import build
from billing.domain.bill_run import AccountFailure, BillRun, Phase, RunStatus, StateCounts
from billing.domain.periods import ecuador_day
from billing.domain.submission import State
from billing.loops.submitter import Submitter, retry_policy
from billing.settings import BillingSettings
from services.billing.tests.unit.invoice_fakes import FakeSigner, record
from services.billing.tests.unit.sri_fakes import BAD_XML, ScriptedSri
from tests.support import KAFKA, MONGODB

POLICY = retry_policy(BillingSettings(sri_retry_base_seconds=0.0, sri_retry_max_seconds=0.0))


@pytest.fixture
async def app() -> AsyncIterator[FastAPI]:
    name = f"billing_test_{uuid.uuid4().hex[:10]}"
    settings = BillingSettings(
        mongodb_url=MONGODB,
        mongodb_database=name,
        kafka_bootstrap_servers=KAFKA,
        app_env="test",
        sri_retry_base_seconds=0.0,
        sri_retry_max_seconds=0.0,
        sri_timeout_seconds=0.0,
        sri_first_query_delay_seconds=0.0,
    )
    app = build(settings)
    await app.state.runtime.database.ensure_indexes(INDEXES)
    try:
        yield app
    finally:
        database = app.state.runtime.database
        await database.client.drop_database(name)
        await database.close()


def store(app: FastAPI) -> InvoiceStore:
    invoices: InvoiceStore = app.state.service.invoices
    return invoices


async def stored_invoice(app: FastAPI) -> dict[str, Any]:
    doc = record(7, bill_run_id="run")
    result = await store(app).insert_batch([doc])
    assert result.inserted == 1 and result.invoices[0].invoice_id == doc["_id"]
    await store(app).save_signed([(doc["_id"], f"<factura>{doc['access_key']}</factura>".encode())])
    return doc


async def drive(app: FastAPI, sri: ScriptedSri, steps: int = 10) -> None:
    """Run the submitter until nothing is due (backoffs are zero here, so every step is due)."""
    submitter = Submitter(app.state.service, sri, FakeSigner)
    for _ in range(steps):
        if not await submitter.run_once():
            return


async def final(app: FastAPI, invoice_id: str) -> dict[str, Any]:
    doc = await app.state.runtime.database.raw(INVOICES).find_one({"_id": invoice_id})
    assert doc is not None
    return dict(doc)


async def test_recibida_then_autorizado(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    await drive(app, sri)
    stored = await final(app, doc["_id"])
    assert stored["state"] == "authorized" and sri.calls == ["recepcion", "autorizacion"]
    assert stored["authorization"]["number"] == doc["access_key"] and stored["version"] == 4
    assert [h["state"] for h in stored["history"]] == [
        "signed",
        "submitting",
        "received",
        "authorized",
    ]
    assert stored["history"][2]["sri_status"] == "RECIBIDA"
    [event] = stored["outbox"]
    assert event["topic"] == "billing.invoice-issued" and event["key"] == doc["_id"]
    assert json.loads(event["payload"])["data"]["totals"] == doc["totals"]
    xml = await store(app).authorized_xml(doc["_id"])
    assert xml is not None and doc["access_key"].encode() in xml
    # The event names that record, which billing serves by clave byte for byte.
    data = json.loads(event["payload"])["data"]
    assert "authorized_xml" not in data and data["authorized_xml_size"] == len(xml)
    assert data["authorized_xml_sha256"] == hashlib.sha256(xml).hexdigest()
    assert await store(app).authorized_xml_of_key(doc["access_key"]) == xml
    assert await store(app).authorized_xml_of_key("1" * 49) is None
    # The write woke the relay by itself (an outbox collection): nobody had to tell it.
    assert (INVOICES, doc["_id"]) in app.state.runtime.relay._written


async def test_devuelta_is_rejected_with_an_event(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri([Reception("DEVUELTA", (BAD_XML,))], [])
    await drive(app, sri)
    stored = await final(app, doc["_id"])
    assert stored["state"] == "returned" and sri.calls == ["recepcion"]
    assert stored["sri_messages"][0]["identifier"] == "35" and stored["next_attempt_at"] is None
    [event] = stored["outbox"]
    assert event["topic"] == "billing.invoice-rejected" and '"35"' in event["payload"]


async def test_an_invoice_whose_xml_was_lost_is_signed_again_from_the_stored_document(
    app: FastAPI,
) -> None:
    """The process died between the invoice's insert and its XML's (issue 11, item 0): the
    sweep reads it without its items (``due``), so re-signing must read the factura in full."""
    doc = record(7, bill_run_id="run")
    await store(app).insert_batch([doc])  # no save_signed: the XML never reached the database
    [due] = await store(app).due(datetime.now(UTC) + timedelta(seconds=1), 10)
    assert due.factura is None
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    signer = FakeSigner()
    submitter = Submitter(app.state.service, sri, lambda: signer)
    for _ in range(10):
        if not await submitter.run_once():
            break
    assert (await final(app, doc["_id"]))["state"] == "authorized"
    assert signer.signed == [doc["access_key"]] and sri.calls == ["recepcion", "autorizacion"]
    assert await store(app).signed_xml(doc["_id"]) == sri.sent[0]


async def test_unanswered_submission_is_queried_before_any_resend(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri(
        [SriUnavailable("timeout"), Reception("RECIBIDA", ())],
        [[], ["AUTORIZADO"]],
    )
    await drive(app, sri)
    assert (await final(app, doc["_id"]))["state"] == "authorized"
    assert sri.calls == ["recepcion", "autorizacion", "recepcion", "autorizacion"]


async def test_a_step_on_a_stale_version_writes_nothing(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    [mine] = await store(app).due(datetime.now(UTC) + timedelta(seconds=1), 10)
    theirs = replace(mine, history=[], events=[])
    theirs.unanswered(datetime.now(UTC), POLICY)
    assert await store(app).save(theirs) and theirs.version == 2
    mine.unanswered(datetime.now(UTC), POLICY)
    assert not await store(app).save(mine) and mine.version == 1
    stored = await final(app, doc["_id"])
    assert stored["version"] == 2 and stored["attempts"] == 1 and len(stored["history"]) == 2


async def test_reads(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    [due] = await store(app).due(datetime.now(UTC) + timedelta(seconds=1), 10)
    assert (
        due.factura is None
        and due.state == State.SIGNED
        and due.lines == tuple(doc["lines_numbers"])
    )
    one = await store(app).get(doc["_id"])
    assert one is not None and one.factura is not None
    assert one.factura.access_key == doc["access_key"]
    [listed] = await store(app).for_account(doc["account_id"])
    assert listed.invoice_id == doc["_id"] and listed.totals.total == doc["totals"]["total"]
    assert await store(app).count_by_state("run") == {State.SIGNED: 1}
    assert await store(app).has_open("run") and not await store(app).has_open("other")


async def test_bill_runs_are_written_by_changes_and_increments(app: FastAPI) -> None:
    runs: BillRunStore = app.state.service.bill_runs
    now = datetime.now(UTC)
    today = ecuador_day(now)  # as the API computes it (SRI's window is in Ecuador's calendar)
    run = BillRun.start(1, "2026-01", None, today, now)
    assert await runs.add(run)
    # Reopened with another date (inside SRI's window): the invoices it adds carry that one.
    again = BillRun.start(1, "2026-01", today - timedelta(days=1), today, now)
    assert not await runs.add(again)
    [running] = await runs.running()
    failure = AccountFailure("acc-0", "No se pudo facturar la cuenta: name: U+FFFE")
    running.page_stored("acc-2", 3, 2, [failure], now)
    await runs.save(running)
    stored = await runs.get(run.bill_run_id)
    assert stored is not None and (stored.accounts_failed, stored.failures) == (1, [failure])
    again.reopen(now)  # the API reopens it meanwhile: the runner's counters stay
    reopened = await runs.reopen(again)
    assert reopened.bill_run_id == run.bill_run_id and reopened.cursor is None
    assert reopened.accounts_processed == 3 and reopened.invoices_created == 2
    # Reopening tries the failed accounts again: their failures are cleared.
    assert (reopened.accounts_failed, reopened.failures) == (0, [])
    reopened.invoiced(now)
    reopened.complete(StateCounts({State.AUTHORIZED: 2}), now)
    await runs.save(reopened)
    loaded = await runs.get(run.bill_run_id)
    assert loaded is not None and (loaded.status, loaded.phase) == (
        RunStatus.COMPLETED,
        Phase.DONE,
    )
    assert loaded.issue_date == today - timedelta(days=1) and loaded.completed_at is not None
    raw = await app.state.runtime.database.raw("bill_runs").find_one({"_id": run.bill_run_id})
    [event] = raw["outbox"]
    assert event["topic"] == "billing.bill-run-completed"
    assert json.loads(event["payload"])["data"]["authorized"] == 2
