"""Correcting a rejected invoice (docs/sri.md §9): the aggregate's ``corrected`` transition, the
retry use case on fakes (rebuilt from the current account and issuer, same clave de acceso and
secuencial, signed again, queued for SRI, once under concurrency) and its routes."""

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from billing.adapters.store.invoice_documents import issued_invoice
from billing.api.routes import corrections as correction_routes
from billing.api.routes import invoices as invoice_routes
from billing.domain.accounts import Account, Holder
from billing.domain.correction import corrected_factura, invoice_holder
from billing.domain.events import InvoiceCorrected
from billing.domain.invoice import Invoice
from billing.domain.issued_invoice import ClaveWouldChange, IssuedInvoice, NotRejected
from billing.domain.submission import (
    REJECTED,
    AuthorizationAnswer,
    Message,
    ReceptionAnswer,
    RetryPolicy,
    State,
)
from billing.events import to_wire
from billing.use_cases import corrections
from common.errors import Conflict
from services.billing.tests.unit.invoice_fakes import (
    ISSUER,
    NOW,
    PERIOD,
    POLICY,
    FakeAccounts,
    FakeInvoices,
    FakeSigner,
    account,
    record,
)
from services.billing.tests.unit.route_fakes import OPERATOR, RoutedBilling, routes_app

IN_WINDOW = datetime.combine(PERIOD.cutoff + timedelta(days=1), time(12), UTC)
BAD_SIGNATURE = Message("39", "FIRMA INVALIDA", "firma", "ERROR")
BAD_BUYER = Message("39", "FIRMA INVALIDA", "comprador", "ERROR")
FIXED = Holder("cedula", "1714307103", "Ana María Pérez", "Av. Amazonas 1", "ana@correo.ec", "")


class FakeCorrections:
    """The correction store over the fake invoices: the same version check."""

    def __init__(self, invoices: FakeInvoices) -> None:
        self.invoices = invoices

    async def rejected(self, limit: int) -> list[IssuedInvoice]:
        found = [
            self.invoices.current(i)
            for i, invoice in self.invoices.invoices.items()
            if invoice.state in REJECTED
        ]
        return sorted(found, key=lambda i: i.updated_at or NOW, reverse=True)[:limit]

    async def save_corrected(self, invoice: IssuedInvoice) -> bool:
        factura = invoice.factura
        assert factura is not None
        holder = invoice.holder
        if not await self.invoices.save(invoice):
            return False
        doc = self.invoices.records[invoice.invoice_id]
        doc |= {"issuer": asdict(factura.issuer), "buyer": asdict(factura.buyer)}
        doc |= {"holder": asdict(holder)}
        doc["payment"]["forma_pago"] = factura.payments[0].forma_pago
        return True


class AccountsById(FakeAccounts):
    async def get(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)


class CorrectingBilling(RoutedBilling):
    def __init__(self, *accounts: Account) -> None:
        super().__init__(accounts=AccountsById(*accounts))
        self.corrections = FakeCorrections(self.invoices)
        self.signing = FakeSigner()
        self.queued: list[tuple[IssuedInvoice, bytes]] = []
        # The day after the invoices' issue date: inside SRI's transmission window.
        self.clock = lambda: IN_WINDOW

    def signer(self) -> FakeSigner:
        return self.signing

    def submit_now(self, stored: Sequence[tuple[IssuedInvoice, bytes]]) -> None:
        self.queued += stored


def rejected(svc: CorrectingBilling, owner: Account, sequential: int = 7) -> dict[str, Any]:
    """An invoice of ``owner`` SRI answered DEVUELTA (through the aggregate, as the submitter)."""
    doc = record(sequential, owner)
    invoice = svc.invoices.add(doc)
    invoice.submitting(NOW, POLICY)
    invoice.reception_answered(ReceptionAnswer("DEVUELTA", (BAD_BUYER,)), NOW, POLICY)
    svc.invoices.invoices[invoice.invoice_id] = replace(invoice, history=[], events=[])
    return doc


@pytest.fixture
def owner() -> Account:
    return account("acc-1")


@pytest.fixture
def svc(owner: Account) -> CorrectingBilling:
    return CorrectingBilling(owner)


# -- the aggregate -----------------------------------------------------------------------------


def stored(doc: dict[str, Any], state: State) -> tuple[IssuedInvoice, Invoice]:
    invoice = issued_invoice(doc, with_factura=True)
    invoice.state, invoice.sri_messages = state, (BAD_BUYER,)
    assert invoice.factura is not None
    return invoice, invoice.factura


@pytest.mark.parametrize("state", sorted(REJECTED))
def test_a_correction_keeps_the_clave_and_secuencial(state: State, owner: Account) -> None:
    invoice, factura = stored(record(7, owner), state)
    fixed = replace(owner, holder=FIXED)
    again = corrected_factura(factura, ISSUER, fixed)
    invoice.corrected(again, invoice_holder(fixed), NOW)
    assert again.access_key == invoice.access_key == factura.access_key
    assert (again.sequential, again.issue_date) == (factura.sequential, factura.issue_date)
    assert again.lines == factura.lines and again.additional_info == factura.additional_info
    assert again.buyer.name == "Ana María Pérez" != factura.buyer.name
    assert invoice.state == State.SIGNED and invoice.next_attempt_at == NOW
    assert (invoice.attempts, invoice.sri_messages) == (0, ())
    assert invoice.holder.name == "Ana María Pérez"
    [event] = invoice.events
    assert event == InvoiceCorrected(
        invoice_id=invoice.invoice_id,
        account_id="acc-1",
        period="2026-10",
        number=invoice.number,
        access_key=invoice.access_key,
        previous_state=state,
        messages=(BAD_BUYER,),
        corrected_at=NOW,
    )
    [entry] = invoice.history
    assert (entry.state, entry.at) == (State.SIGNED, NOW)


@pytest.mark.parametrize("state", sorted(set(State) - REJECTED))
def test_only_a_rejected_invoice_is_corrected(state: State, owner: Account) -> None:
    invoice, factura = stored(record(7, owner), state)
    with pytest.raises(NotRejected):
        invoice.corrected(factura, invoice_holder(owner), NOW)
    assert invoice.state == state and not invoice.events and not invoice.history


def test_a_correction_under_another_clave_is_refused(owner: Account) -> None:
    invoice, factura = stored(record(7, owner), State.NOT_AUTHORIZED)
    moved = replace(ISSUER, emission_point="002")
    with pytest.raises(ClaveWouldChange):
        invoice.corrected(corrected_factura(factura, moved, owner), invoice_holder(owner), NOW)
    assert invoice.state == State.NOT_AUTHORIZED and not invoice.events


def test_invoice_corrected_on_the_wire(owner: Account) -> None:
    invoice, factura = stored(record(7, owner), State.RETURNED)
    invoice.corrected(factura, invoice_holder(owner), NOW)
    published = to_wire(invoice.events[0])
    assert published.topic == "billing.invoice-corrected"
    assert published.model_dump(mode="json")["data"] == {
        "invoice_id": invoice.invoice_id,
        "account_id": "acc-1",
        "period": "2026-10",
        "number": invoice.number,
        "access_key": invoice.access_key,
        "previous_status": "returned",
        "messages": [
            {"identifier": "39", "message": "FIRMA INVALIDA", "additional_info": "comprador"}
            | {"kind": "ERROR"}
        ],
        "corrected_at": "2026-11-10T15:00:00Z",
    }


# -- the use case ------------------------------------------------------------------------------


async def test_retry_rebuilds_from_the_current_data_and_queues_it(
    svc: CorrectingBilling, owner: Account
) -> None:
    doc = rejected(svc, owner)
    svc.accounts.accounts[0] = replace(owner, holder=FIXED, payment_method="19")
    svc.issuer.value = replace(ISSUER, razon_social="Demo Corregida S.A.")
    invoice = await corrections.retry(svc, doc["_id"])
    assert (invoice.access_key, invoice.number) == (doc["access_key"], doc["number"])
    again = await svc.invoices.factura(doc["_id"])
    assert again is not None and again.access_key == doc["access_key"]
    assert again.buyer.name == "Ana María Pérez"
    assert again.issuer.razon_social == "Demo Corregida S.A."
    assert again.payments[0].forma_pago == "19"
    assert again.issue_date.isoformat() == doc["issue_date"]
    stored_now = svc.invoices.current(doc["_id"])
    assert stored_now.state == State.SIGNED and stored_now.holder.name == "Ana María Pérez"
    assert svc.signing.signed == [doc["access_key"]]
    assert svc.invoices.signed[doc["_id"]] == f"<factura>{doc['access_key']}</factura>".encode()
    assert [i.invoice_id for i, _ in svc.queued] == [doc["_id"]]
    corrected = [e for e in svc.invoices.events if isinstance(e, InvoiceCorrected)]
    assert [e.previous_state for e in corrected] == [State.RETURNED]


async def test_a_second_retry_finds_it_corrected(svc: CorrectingBilling, owner: Account) -> None:
    doc = rejected(svc, owner)
    await corrections.retry(svc, doc["_id"])
    with pytest.raises(Conflict) as refused:
        await corrections.retry(svc, doc["_id"])
    assert refused.value.code == "not_rejected"
    assert len(svc.signing.signed) == 1 and len(svc.queued) == 1


async def test_two_retries_at_once_correct_it_once(svc: CorrectingBilling, owner: Account) -> None:
    doc = rejected(svc, owner)
    outcomes = await asyncio.gather(
        corrections.retry(svc, doc["_id"]),
        corrections.retry(svc, doc["_id"]),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(refused) == 1 and refused[0].code in ("conflict", "not_rejected")
    assert len(svc.queued) == 1
    assert len([e for e in svc.invoices.events if isinstance(e, InvoiceCorrected)]) == 1


async def test_a_retry_that_would_change_the_clave_is_refused(
    svc: CorrectingBilling, owner: Account
) -> None:
    doc = rejected(svc, owner)
    svc.issuer.value = replace(ISSUER, environment=2)
    with pytest.raises(Conflict) as refused:
        await corrections.retry(svc, doc["_id"])
    assert refused.value.code == "clave_would_change"
    assert svc.invoices.current(doc["_id"]).state == State.RETURNED and not svc.queued


# -- the routes --------------------------------------------------------------------------------


@pytest.fixture
def client(svc: CorrectingBilling) -> Iterator[TestClient]:
    app = routes_app(svc, invoice_routes.router, correction_routes.router)
    with TestClient(app) as test_client:
        yield test_client


def test_the_rejected_list_and_the_retry(
    client: TestClient, svc: CorrectingBilling, owner: Account
) -> None:
    other = account("acc-2", number="0997654321")
    svc.accounts.accounts.append(other)
    doc, pending = rejected(svc, owner), svc.invoices.add(record(8, other))
    listed = client.get("/v1/admin/invoices", params={"status": "rejected"}, headers=OPERATOR)
    assert listed.status_code == 200, listed.text
    [row] = listed.json()
    assert row["invoice_id"] == doc["_id"] != pending.invoice_id
    assert (row["status"], row["state"], row["access_key"]) == (
        "rejected",
        "returned",
        doc["access_key"],
    )
    assert row["sri_messages"] == [
        {"identifier": "39", "message": "FIRMA INVALIDA", "additional_info": "comprador"}
        | {"kind": "ERROR"}
    ]
    of_account = client.get(
        "/v1/admin/invoices", params={"status": "rejected", "account_id": "acc-2"}, headers=OPERATOR
    )
    assert of_account.json() == []
    retried = client.post(f"/v1/admin/invoices/{doc['_id']}/retry", headers=OPERATOR)
    assert retried.status_code == 202, retried.text
    assert retried.json() == {
        "invoice_id": doc["_id"],
        "number": doc["number"],
        "access_key": doc["access_key"],
        "status": "pending",
        "state": "signed",
    }
    again = client.post(f"/v1/admin/invoices/{doc['_id']}/retry", headers=OPERATOR)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_rejected"
    assert client.get("/v1/admin/invoices?status=rejected", headers=OPERATOR).json() == []


def test_retry_of_an_unknown_invoice_or_by_a_customer(client: TestClient) -> None:
    unknown = client.post("/v1/admin/invoices/nope/retry", headers=OPERATOR)
    assert unknown.status_code == 404
    customer = client.post(
        "/v1/admin/invoices/nope/retry", headers={"Authorization": "Bearer customer"}
    )
    assert customer.status_code == 403
    bad = client.get("/v1/admin/invoices", params={"status": "authorized"}, headers=OPERATOR)
    assert bad.status_code == 422


def test_the_old_refusal_does_not_refuse_the_corrected_version_again(owner: Account) -> None:
    # SRI keeps listing the first version's NO AUTORIZADO under the same clave: until it lists
    # the corrected version's answer, the invoice waits; then that answer decides.
    invoice, factura = stored(record(7, owner), State.NOT_AUTHORIZED)
    invoice.corrected(corrected_factura(factura, ISSUER, owner), invoice_holder(owner), NOW)
    invoice.submitting(NOW, RetryPolicy())
    invoice.reception_answered(ReceptionAnswer("RECIBIDA"), NOW, RetryPolicy())
    old = AuthorizationAnswer("NO AUTORIZADO", (BAD_BUYER,), authorized_at=NOW - timedelta(hours=2))
    invoice.authorizations_answered([old], NOW + timedelta(seconds=5), RetryPolicy())
    assert invoice.state == State.IN_PROCESS
    new = AuthorizationAnswer(
        "NO AUTORIZADO", (BAD_SIGNATURE,), authorized_at=NOW + timedelta(seconds=10)
    )
    invoice.authorizations_answered([old, new], NOW + timedelta(seconds=20), RetryPolicy())
    assert invoice.state == State.NOT_AUTHORIZED and invoice.sri_messages == (BAD_SIGNATURE,)


def test_no_retry_once_the_transmission_window_has_closed(
    svc: CorrectingBilling, owner: Account
) -> None:
    # The corrected version keeps fechaEmision (it is in the clave): SRI would answer 65.
    doc = rejected(svc, owner)
    svc.clock = lambda: datetime.combine(PERIOD.cutoff + timedelta(days=4), time(12), UTC)
    with pytest.raises(Conflict) as refused:
        asyncio.run(corrections.retry(svc, doc["_id"]))
    assert refused.value.code == "outside_transmission_window"
    assert "error 65" in str(refused.value)
    assert not svc.queued and not svc.signing.signed
