"""What the invoice side's use cases (bill runs, SRI submission, invoice reads) need from the
outside, as Protocols: ``billing.adapters.store.invoices`` and the SRI client implement them, the
fakes in ``tests/unit/invoice_fakes.py`` too.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from billing.domain.accounts import Account, Plan
from billing.domain.bill import Charge
from billing.domain.bill_run import AccountFailure, BillRun, SignJob
from billing.domain.invoice import Invoice, Issuer
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.statement import Movement
from billing.domain.submission import RetryPolicy, State
from billing.domain.transmission_window import TransmissionWindow
from billing.ports.ownership import LineHolderRepository

# An invoice as the store keeps it, built in the signing process next to its XML (so the event
# loop only writes it): the use cases pass it from the signer to the store unread.
InvoiceRecord = Mapping[str, Any]


@dataclass(frozen=True)
class SignedPage:
    """A page's invoices, numbered in order from the job's ``first``, and their signed XML; the
    drafts whose invoice could not be built or signed are left out (``failures``) and the
    numbers stay consecutive."""

    records: list[InvoiceRecord]
    xml: list[bytes]
    failures: list[AccountFailure] = field(default_factory=list)


@dataclass(frozen=True)
class InsertResult:
    """How far an ordered batch got, and why it stopped (None: all inserted)."""

    inserted: int
    conflict: str | None = None  # "number" | "account_period"
    # The invoices inserted (the batch's first ``inserted``), ready for the submitter.
    invoices: list[IssuedInvoice] = field(default_factory=list)


class InvoiceRepository(Protocol):
    # numbering
    async def next_sequential(self, ruc: str, establishment: str, point: str) -> int: ...
    async def advance_hint(self, ruc: str, establishment: str, point: str, last: int) -> None: ...

    # writing
    async def insert_batch(self, records: Sequence[InvoiceRecord]) -> InsertResult: ...
    async def save_signed(self, documents: Iterable[tuple[str, bytes]]) -> None: ...
    async def save_authorized(self, invoice_id: str, xml: bytes) -> None: ...
    async def save(self, invoice: IssuedInvoice) -> bool:
        """Compare-and-set on ``version`` with the invoice's history and events; False if
        someone moved it first."""
        ...

    # reading
    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        """With its factura."""
        ...

    async def factura(self, invoice_id: str) -> Invoice | None: ...
    async def signed_xml(self, invoice_id: str) -> bytes | None: ...
    async def authorized_xml(self, invoice_id: str) -> bytes | None: ...
    async def authorized_xml_of_key(self, access_key: str) -> bytes | None:
        """The authorized XML of the invoice with that clave de acceso (None: no such invoice,
        or not authorized)."""
        ...

    async def for_account(self, account_id: str) -> list[IssuedInvoice]: ...
    async def with_number(self, number: str) -> list[IssuedInvoice]:
        """Invoices that billed the E.164 ``number``, on any account, newest period first."""
        ...

    async def due(self, now: datetime, limit: int) -> list[IssuedInvoice]: ...
    async def next_attempt_at(self) -> datetime | None:
        """The earliest next SRI step among open invoices (None: nothing waits)."""
        ...

    async def invoiced_in(self, cycle_day: int, period: str) -> set[str]: ...
    async def history(self, cycle_day: int) -> dict[str, list[Movement]]: ...
    async def has_open(self, bill_run_id: str) -> bool: ...
    async def count_by_state(self, bill_run_id: str) -> dict[State, int]: ...
    async def mark_ride_rendered(self, invoice_id: str, at: datetime) -> None:
        """Note that rendering stored the invoice's RIDE (the first time counts)."""
        ...

    async def ride_rendered_at(self, invoice_id: str) -> datetime | None: ...


class BillRunRepository(Protocol):
    async def add(self, run: BillRun) -> bool:
        """Insert; False when that cycle day and period already has its run."""
        ...

    async def reopen(self, run: BillRun) -> BillRun:
        """Write ``run``'s changes to the stored run of its cycle day and period; that run."""
        ...

    async def get(self, bill_run_id: str) -> BillRun | None: ...
    async def running(self) -> list[BillRun]: ...
    async def save(self, run: BillRun) -> None:
        """Its changes and counters, with its events."""
        ...


# The account side's parts a bill run reads (implemented by its stores).
class IssuerSource(Protocol):
    async def issuer(self) -> Issuer | None: ...


class PlanSource(Protocol):
    async def all(self) -> dict[str, Plan]: ...


class BillableAccounts(Protocol):
    def stream_billable(
        self, cycle_day: int, after_id: str | None, chunk: int
    ) -> AsyncIterator[list[Account | AccountFailure]]:
        """Pages of a cycle day's accounts in ``_id`` order; an account whose stored document
        cannot be read as an account comes as its failure, in its place."""
        ...


class ChargeSource(Protocol):
    async def for_accounts(
        self, account_ids: list[str], period: str
    ) -> dict[str, list[Charge]]: ...


class LedgerSource(Protocol):
    async def movements(self, account_ids: list[str]) -> dict[str, list[Movement]]: ...


class BillRunSettings(Protocol):
    @property
    def bill_run_batch_size(self) -> int: ...
    @property
    def bill_run_max_failed_accounts(self) -> int: ...
    @property
    def payment_term_days(self) -> int: ...
    @property
    def sri_transmission_window_hours(self) -> int: ...


class Invoicing(Protocol):
    """The parts of the billing service the bill runs and invoice reads work with."""

    @property
    def issuer(self) -> IssuerSource: ...
    @property
    def plans(self) -> PlanSource: ...
    @property
    def accounts(self) -> BillableAccounts: ...
    @property
    def charges(self) -> ChargeSource: ...
    @property
    def ledger(self) -> LedgerSource: ...
    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def bill_runs(self) -> BillRunRepository: ...
    @property
    def notes(self) -> LedgerSource:
        """Authorized notas de crédito and débito as statement movements."""
        ...

    @property
    def settings(self) -> BillRunSettings: ...
    @property
    def wake_bill_runs(self) -> Callable[[], None]: ...


class RideLinkSettings(Protocol):
    @property
    def ride_link_secret(self) -> str: ...
    @property
    def ride_link_seconds(self) -> int: ...
    @property
    def rendering_public_url(self) -> str: ...


class InvoiceReads(Protocol):
    """What reading invoices needs: the invoices and who holds which line (customers)."""

    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def line_holders(self) -> LineHolderRepository: ...


class RideLinks(InvoiceReads, Protocol):
    """What handing out a RIDE link needs: the invoice reads and the link settings."""

    @property
    def settings(self) -> RideLinkSettings: ...


class DocumentLinkSettings(Protocol):
    @property
    def document_link_secret(self) -> str: ...


class NoteDocuments(Protocol):
    async def authorized_xml_of_key(self, access_key: str) -> bytes | None: ...


class FiscalDocuments(Protocol):
    """What serving the fiscal record to the platform's services needs."""

    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def notes(self) -> NoteDocuments:
        """Notas de crédito and débito, whose authorized XML is served the same way."""
        ...

    @property
    def settings(self) -> DocumentLinkSettings: ...


class Pages(Protocol):
    """How a bill run's pages get signed, and who hears about what it stored (the runner)."""

    def check(self) -> None:
        """Raise if nothing can be signed now (no usable certificate)."""
        ...

    def sign(self, job: SignJob) -> Awaitable[SignedPage]: ...

    def stored(self, invoices: Sequence[tuple[IssuedInvoice, bytes]]) -> None:
        """Invoices just stored, with their signed XML (sent without reading them back)."""
        ...

    def progressed(self, run: BillRun, accounts: int) -> None: ...


# ---- SRI, as the submitter sees its client (billing.adapters.sri_client) -------------------------


class SriMessage(Protocol):
    @property
    def identifier(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def additional_info(self) -> str | None: ...
    @property
    def kind(self) -> str: ...


class SriReception(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def messages(self) -> Sequence[SriMessage]: ...


class SriAuthorization(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def number(self) -> str | None: ...
    @property
    def authorized_at(self) -> datetime | None: ...
    @property
    def environment(self) -> str | None: ...
    @property
    def messages(self) -> Sequence[SriMessage]: ...
    @property
    def xml(self) -> bytes: ...


class Sri(Protocol):
    """SRI's offline web services; no usable answer raises ``submission.SriNoAnswer``."""

    async def submit(self, signed_xml: bytes) -> SriReception: ...
    async def authorizations(self, access_key: str) -> Sequence[SriAuthorization]: ...


class FacturaSigner(Protocol):
    def sign(self, invoice: Invoice, now: datetime | None = None) -> bytes: ...


class Submitting(Protocol):
    """What one SRI step needs: the invoices, SRI, the signer (loaded on first use) and the
    retry policy."""

    @property
    def invoices(self) -> InvoiceRepository: ...
    @property
    def sri(self) -> Sri: ...
    @property
    def signer(self) -> Callable[[], FacturaSigner]: ...
    @property
    def policy(self) -> RetryPolicy: ...
    @property
    def window(self) -> TransmissionWindow: ...
