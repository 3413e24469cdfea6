"""In-memory stand-ins for receiving a comprobante de retención (ports.withholdings): one of our
facturas to the agent, the retention built on it, the stored retentions, a service object."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from billing import use_cases
from billing.adapters.retention_schema import RetentionDocuments
from billing.adapters.store.invoice_documents import issued_invoice
from billing.domain.accounts import Holder
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.submission import State
from billing.domain.withholding import WithholdingRecord
from common.errors import InvalidInput
from services.billing.tests.retentions import AGENT_RUC, FacturaRef, Retention
from services.billing.tests.unit.fakes import FakeLedger
from services.billing.tests.unit.invoice_fakes import ISSUER, FakeIssuer, account, record
from services.billing.tests.unit.route_fakes import RoleVerifier

NOW = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
AGENT = Holder("ruc", AGENT_RUC, "Importadora Andina S.A.", "Quito", "pagos@andina.ec", "")


def our_factura(sequential: int = 7, state: State = State.AUTHORIZED) -> IssuedInvoice:
    """An invoice of ours (Plan P1, 10.00 + IVA 15 %) to the agent, authorized by default."""
    doc = record(sequential, replace(account("acc-agent"), holder=AGENT))
    return replace(issued_invoice(doc, with_factura=True), state=state)


def ref(invoice: IssuedInvoice, **changes: Any) -> FacturaRef:
    totals = invoice.totals
    values: dict[str, Any] = {
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "subtotal": Decimal(totals.subtotal),
        "iva": Decimal(totals.taxes),
        "access_key": invoice.access_key,
    }
    return FacturaRef(**(values | changes))


def retention(invoice: IssuedInvoice, **changes: Any) -> Retention:
    values: dict[str, Any] = {"subject_ruc": ISSUER.ruc, "factura": ref(invoice)}
    return Retention(**(values | changes))


class FakeWithholdings:
    def __init__(self) -> None:
        self.records: dict[str, WithholdingRecord] = {}

    async def get(self, withholding_id: str) -> WithholdingRecord | None:
        return self.records.get(withholding_id)

    async def of_invoice(self, invoice_id: str) -> list[WithholdingRecord]:
        return [r for r in self.records.values() if invoice_id in r.invoice_ids]

    async def add(self, record: WithholdingRecord) -> bool:
        if record.withholding_id in self.records:
            return False
        self.records[record.withholding_id] = record
        return True


class FakeInvoiceLookup:
    def __init__(self, *invoices: IssuedInvoice) -> None:
        self.invoices = {i.invoice_id: i for i in invoices}

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        return self.invoices.get(invoice_id)


@dataclass
class WithholdingBilling:
    """The service as receiving a retention sees it (ports.withholdings)."""

    invoices: FakeInvoiceLookup
    issuer: FakeIssuer = field(default_factory=FakeIssuer)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    withholdings: FakeWithholdings = field(default_factory=FakeWithholdings)
    retention_documents: RetentionDocuments = field(default_factory=RetentionDocuments)
    clock: Any = lambda: NOW
    verifier: RoleVerifier = field(default_factory=RoleVerifier)  # route tests' callers


def service(*invoices: IssuedInvoice) -> WithholdingBilling:
    return WithholdingBilling(FakeInvoiceLookup(*(invoices or (our_factura(),))))


async def refused(svc: WithholdingBilling, body: bytes) -> dict[str, str]:
    with pytest.raises(InvalidInput) as error:
        await use_cases.withholdings.receive(svc, body, NOW)
    assert not svc.ledger.entries, "nothing credited"
    assert not svc.withholdings.records, "nothing stored"
    return dict(error.value.fields or {})
