"""The submitter against the real database with a scripted SRI: every path of the state machine
performs the right calls in the right order and leaves the right events behind."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI

from billing.app import build
from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import bill_lines, build_invoice, lines_total
from billing.domain.invoice import Issuer
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement
from billing.records import invoice_document
from billing.settings import BillingSettings
from billing.sri_client import Authorization, Reception, SriMessage, SriUnavailable
from billing.store import INDEXES
from billing.submitter import Submitter
from tests.support import KAFKA, MONGODB

pytestmark = pytest.mark.stack  # FerretDB

ISSUER = Issuer("1790011674001", "Demo S.A.", "Quito", True, 1)
PERIOD = BillingPeriod.of("2026-10")
PLAN = Plan("P1", "Plan", "movil", Decimal("10.00"))
REGISTERED = SriMessage("43", "CLAVE ACCESO REGISTRADA", None, "ERROR")
BAD_XML = SriMessage("35", "ARCHIVO NO CUMPLE ESTRUCTURA XML", "detalle", "ERROR")
BAD_SIGNATURE = SriMessage("39", "FIRMA INVALIDA", None, "ERROR")


def authorized(key: str) -> Authorization:
    xml = f"<autorizacion><numeroAutorizacion>{key}</numeroAutorizacion></autorizacion>"
    return Authorization(
        "AUTORIZADO", key, datetime.now(UTC), "PRUEBAS", "<factura/>", (), xml.encode()
    )


def answer(status: str, *messages: SriMessage) -> Authorization:
    return Authorization(status, None, None, "PRUEBAS", None, messages, b"<autorizacion/>")


class ScriptedSri:
    """Answers from a script, one entry per call; records every call in order."""

    def __init__(self, receptions: list[Any], authorizations: list[Any]) -> None:
        self.receptions, self.authorizations_ = receptions, authorizations
        self.calls: list[str] = []

    async def submit(self, signed_xml: bytes) -> Reception:
        self.calls.append("recepcion")
        return self._next(self.receptions)

    async def authorizations(self, access_key: str) -> tuple[Authorization, ...]:
        self.calls.append("autorizacion")
        result = self._next(self.authorizations_)
        return tuple(authorized(access_key) if r == "AUTORIZADO" else r for r in result)

    @staticmethod
    def _next(script: list[Any]) -> Any:
        item = script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


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
        sri_empty_polls_before_resend=2,
    )
    app = build(settings)
    await app.state.runtime.database.ensure_indexes(INDEXES)
    try:
        yield app
    finally:
        database = app.state.runtime.database
        await database.client.drop_database(name)
        await database.close()


async def stored_invoice(app: FastAPI) -> dict[str, Any]:
    holder = Holder("cedula", "1714307103", "Ana Pérez", "Quito", "ana@correo.ec", "")
    sub = Subscription("s1", "0991234567", "movil", "P1", date(2026, 1, 1))
    account = Account(uuid.uuid4().hex, holder, 1, "20", (sub,))
    lines = bill_lines(account, {"P1": PLAN}, PERIOD)
    this = Movement(PERIOD.cutoff, "invoice", "Factura", lines_total(lines), "", PERIOD.label)
    statement = build_statement(PERIOD, [this], due_days=15)
    invoice = build_invoice(
        ISSUER, account, lines, issue_date=PERIOD.cutoff, sequential=7, numeric_code="12345678"
    )
    doc = invoice_document(
        invoice,
        account=account,
        period=PERIOD,
        bill_run_id="run",
        statement=statement,
        now=datetime.now(UTC),
    )
    store = app.state.billing.invoices
    assert (await store.insert_batch([doc])).inserted == 1
    await store.save_signed([(doc["_id"], f"<factura>{doc['access_key']}</factura>".encode())])
    return doc


async def drive(app: FastAPI, sri: ScriptedSri, steps: int = 10) -> None:
    """Run the submitter until nothing is due (backoffs are zero here, so every step is due)."""
    submitter = Submitter(app.state.billing, sri, signer=lambda: None)  # type: ignore[arg-type]
    for _ in range(steps):
        if not await submitter.run_once():
            return


async def final(app: FastAPI, invoice_id: str) -> dict[str, Any]:
    doc = await app.state.billing.invoices._invoices.find_one({"_id": invoice_id})
    assert doc is not None
    return doc


async def test_recibida_then_autorizado(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [["AUTORIZADO"]])
    await drive(app, sri)
    stored = await final(app, doc["_id"])
    assert stored["state"] == "authorized" and sri.calls == ["recepcion", "autorizacion"]
    assert stored["authorization"]["number"] == doc["access_key"]
    [event] = stored["outbox"]
    assert event["topic"] == "billing.invoice-issued"
    xml = await app.state.billing.invoices.authorized_xml(doc["_id"])
    assert xml is not None and doc["access_key"].encode() in xml


async def test_devuelta_is_rejected_with_an_event(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri([Reception("DEVUELTA", (BAD_XML,))], [])
    await drive(app, sri)
    stored = await final(app, doc["_id"])
    assert stored["state"] == "returned" and sri.calls == ["recepcion"]
    assert stored["sri_messages"][0]["identifier"] == "35"
    [event] = stored["outbox"]
    assert event["topic"] == "billing.invoice-rejected" and '"35"' in event["payload"]


async def test_no_autorizado_is_rejected(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri([Reception("RECIBIDA", ())], [[answer("NO AUTORIZADO", BAD_SIGNATURE)]])
    await drive(app, sri)
    stored = await final(app, doc["_id"])
    assert stored["state"] == "not_authorized"
    assert stored["outbox"][0]["topic"] == "billing.invoice-rejected"


async def test_43_is_resolved_by_querying(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri([Reception("DEVUELTA", (REGISTERED,))], [["AUTORIZADO"]])
    await drive(app, sri)
    assert (await final(app, doc["_id"]))["state"] == "authorized"
    assert sri.calls == ["recepcion", "autorizacion"]


async def test_unanswered_submission_is_queried_before_any_resend(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri(
        [SriUnavailable("timeout"), Reception("RECIBIDA", ())],
        # First query: SRI does not know the key → only now is it sent again.
        [[], [answer("EN PROCESO")], ["AUTORIZADO"]],
    )
    await drive(app, sri)
    assert (await final(app, doc["_id"]))["state"] == "authorized"
    assert sri.calls == ["recepcion", "autorizacion", "recepcion", "autorizacion", "autorizacion"]


async def test_unanswered_submission_that_sri_got_is_never_resent(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri(
        [SriUnavailable("timeout")],
        [SriUnavailable("500"), [answer("EN PROCESO")], ["AUTORIZADO"]],
    )
    await drive(app, sri)
    assert (await final(app, doc["_id"]))["state"] == "authorized"
    assert sri.calls == ["recepcion", "autorizacion", "autorizacion", "autorizacion"]


async def test_received_but_never_listed_is_resent_after_empty_polls(app: FastAPI) -> None:
    doc = await stored_invoice(app)
    sri = ScriptedSri(
        [Reception("RECIBIDA", ()), Reception("DEVUELTA", (REGISTERED,))],
        [[], [], ["AUTORIZADO"]],
    )
    await drive(app, sri)
    assert (await final(app, doc["_id"]))["state"] == "authorized"
    assert sri.calls == ["recepcion", "autorizacion", "autorizacion", "recepcion", "autorizacion"]
