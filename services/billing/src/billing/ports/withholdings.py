"""What receiving a comprobante de retención needs (use_cases/withholdings.py): the store of
accepted retentions, the XSD and signature checks (adapters, they read files), our invoices and
the ledger it credits."""

from typing import Protocol

from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.withholding import WithholdingRecord
from billing.ports.accounts import Clock, IssuerRepository, LedgerRepository


class WithholdingRepository(Protocol):
    async def get(self, withholding_id: str) -> WithholdingRecord | None: ...

    async def of_invoice(self, invoice_id: str) -> list[WithholdingRecord]:
        """The retenciones accepted on that factura."""
        ...

    async def add(self, record: WithholdingRecord) -> bool:
        """Insert; False (nothing written) when a retention with that clave is stored."""
        ...


class RetentionDocuments(Protocol):
    def schema_errors(self, xml: bytes) -> list[str]: ...

    def signature_error(self, xml: bytes) -> str | None: ...


class InvoiceLookup(Protocol):
    async def get(self, invoice_id: str) -> IssuedInvoice | None: ...


class Withholdings(Protocol):
    @property
    def issuer(self) -> IssuerRepository: ...
    @property
    def invoices(self) -> InvoiceLookup: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def withholdings(self) -> WithholdingRepository: ...
    @property
    def retention_documents(self) -> RetentionDocuments: ...
    @property
    def clock(self) -> Clock: ...
