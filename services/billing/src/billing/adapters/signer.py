"""Build and sign a factura: the CPU-bound step of a bill run (XML, c14n, digests, RSA), in a
thread or in worker processes that each load the certificate once.
"""

import ctypes
import ctypes.util
import secrets
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from billing.adapters.clock import ECUADOR
from billing.adapters.signing import SigningCredentials, load_pkcs12, sign_factura
from billing.adapters.store.invoice_documents import invoice_document
from billing.domain import note_xml
from billing.domain.bill import build_invoice, lines_total, statement_info
from billing.domain.bill_run import AccountFailure, Draft, SignJob
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice
from billing.domain.notes import Note
from billing.domain.statement import Movement, build_statement
from billing.ports import FacturaSigner, InvoiceRecord, SignedPage
from billing.settings import BillingSettings
from common.process_pool import RecoveringProcessPool

T = TypeVar("T")
R = TypeVar("R")


class SignerUnavailable(RuntimeError):
    """No usable signing certificate is configured."""


@dataclass(frozen=True)
class Signer:
    credentials: SigningCredentials
    version: str = "1.1.0"

    @classmethod
    def from_settings(cls, settings: BillingSettings) -> "Signer":
        if not settings.signing_p12_path:
            raise SignerUnavailable("SIGNING_P12_PATH is not set")
        return cls.from_file(
            settings.signing_p12_path,
            settings.signing_p12_password.get_secret_value(),
            settings.factura_version,
        )

    @classmethod
    def from_file(cls, path: str, password: str, version: str) -> "Signer":
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise SignerUnavailable(f"cannot read {path}: {error.strerror}") from None
        return cls(load_pkcs12(data, password.encode()), version)

    def sign(self, invoice: Invoice | Note, now: datetime | None = None) -> bytes:
        """A factura, or a nota de crédito / débito (the same XAdES-BES signature)."""
        signing_time = (now or datetime.now(ECUADOR)).astimezone(ECUADOR).replace(microsecond=0)
        xml = (
            note_xml.to_xml(invoice) if isinstance(invoice, Note) else to_xml(invoice, self.version)
        )
        return sign_factura(
            xml,
            self.credentials,
            signing_time=signing_time,
        )

    @property
    def expires_at(self) -> datetime:
        return self.credentials.not_valid_after


# ---- signing in worker processes: the bill run's CPU floor on a core of its own

_worker: Signer | None = None


def _init_worker(path: str, password: str, version: str) -> None:
    global _worker
    _die_with_parent()
    _worker = Signer.from_file(path, password, version)


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker when the service dies, even by SIGKILL (no orphans)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the worker still exits when its task pipe closes


def worker_signer() -> Signer:
    if _worker is None:
        raise SignerUnavailable("not a signing process")
    return _worker


class SigningProcesses:
    """A pool of processes that each load the certificate once and sign pages of facturas.

    Threads would share the GIL with the event loop writing the previous page; processes sign
    truly in parallel. ``spawn``: forking an asyncio process with live sockets is unsafe. The
    workers start on first use and leave with the service (or on their own if it is killed).
    A worker that dies (SIGKILL, the OOM killer) breaks the pool: it is rebuilt and the page
    signed again (``common.process_pool``); ``healthy`` says whether that still works.
    """

    def __init__(self, settings: BillingSettings, processes: int) -> None:
        if not settings.signing_p12_path:
            raise SignerUnavailable("SIGNING_P12_PATH is not set")
        self._pool = RecoveringProcessPool(
            processes,
            initializer=_init_worker,
            initargs=(
                settings.signing_p12_path,
                settings.signing_p12_password.get_secret_value(),
                settings.factura_version,
            ),
        )

    @property
    def healthy(self) -> bool:
        return self._pool.healthy

    async def run(self, function: Callable[[T], R], job: T) -> R:
        return await self._pool.run(function, job)

    def close(self) -> None:
        self._pool.close()


# ---- a bill-run page


def sign_page(job: SignJob, signer: FacturaSigner) -> SignedPage:
    """CPU only: number, build and sign every draft of the page (the stored invoices + XML).

    The invoices are built here in the store's format too, so the event loop only writes them.
    A draft whose invoice cannot be built or signed (text no XML can hold, a value the factura
    refuses) is left out with its reason; the next draft takes its number.
    """
    now = datetime.now(UTC)
    records: list[InvoiceRecord] = []
    signed: list[bytes] = []
    failures: list[AccountFailure] = []
    for draft in job.drafts:
        try:
            record, xml = _sign_draft(job, draft, job.first + len(records), signer, now)
        except Exception as error:
            failures.append(AccountFailure.of(draft.account.account_id, error))
            continue
        records.append(record)
        signed.append(xml)
    return SignedPage(records, signed, failures)


def _sign_draft(
    job: SignJob, draft: Draft, sequential: int, signer: FacturaSigner, now: datetime
) -> tuple[InvoiceRecord, bytes]:
    period, issue_date = job.period, job.issue_date
    total = lines_total(draft.lines)
    this = Movement(issue_date, "invoice", "Factura", total, "", period.label)
    statement = build_statement(period, (*draft.movements, this), due_days=job.payment_days)
    invoice = build_invoice(
        job.issuer,
        draft.account,
        draft.lines,
        issue_date=issue_date,
        sequential=sequential,
        numeric_code=f"{secrets.randbelow(10**8):08d}",
        additional_info=statement_info(draft.account, period, statement),
        payment_days=job.payment_days,
    )
    xml = signer.sign(invoice)
    record = invoice_document(
        invoice,
        account=draft.account,
        period=period,
        bill_run_id=job.run_id,
        statement=statement,
        now=now,
    )
    return record, xml


def sign_page_in_worker(job: SignJob) -> SignedPage:
    """Entry point in a signing process (see SigningProcesses)."""
    return sign_page(job, worker_signer())
