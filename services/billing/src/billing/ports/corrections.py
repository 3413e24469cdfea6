"""What correcting a rejected invoice needs (use_cases/corrections.py): the invoices, the
rejected list and the correction write (``billing.adapters.store.corrections``), the current
issuer and account, the signer, and a way to hand the corrected invoice to the submitter."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from billing.domain.accounts import Account
from billing.domain.issued_invoice import IssuedInvoice
from billing.ports.invoices import FacturaSigner, InvoiceRepository, IssuerSource


class CorrectionRepository(Protocol):
    async def rejected(self, limit: int) -> list[IssuedInvoice]:
        """Invoices SRI refused, latest first."""
        ...

    async def save_corrected(self, invoice: IssuedInvoice) -> bool:
        """Compare-and-set on ``version``; False if someone moved the invoice first."""
        ...


class AccountLookup(Protocol):
    async def get(self, account_id: str) -> Account | None: ...


class CorrectionSettings(Protocol):
    @property
    def sri_transmission_window_hours(self) -> int: ...


class Correcting(Protocol):
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def corrections(self) -> CorrectionRepository: ...
    @property
    def issuer(self) -> IssuerSource: ...
    @property
    def accounts(self) -> AccountLookup: ...
    @property
    def signer(self) -> Callable[[], FacturaSigner]: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def settings(self) -> CorrectionSettings: ...
    @property
    def submit_now(self) -> Callable[[Sequence[tuple[IssuedInvoice, bytes]]], None]: ...
