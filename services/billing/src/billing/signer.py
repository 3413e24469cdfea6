"""Build and sign a factura: the CPU-bound step of a bill run (XML, c14n, digests, RSA)."""

import asyncio
import ctypes
import ctypes.util
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from billing.clock import ECUADOR
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Invoice
from billing.settings import BillingSettings
from billing.signing import SigningCredentials, load_pkcs12, sign_factura

T = TypeVar("T")
R = TypeVar("R")
_DIGEST_OF = {"rsa-sha1": "sha1", "rsa-sha256": "sha256"}


class SignerUnavailable(RuntimeError):
    """No usable signing certificate is configured."""


@dataclass(frozen=True)
class Signer:
    credentials: SigningCredentials
    version: str = "1.1.0"
    signature: str = "rsa-sha1"

    @classmethod
    def from_settings(cls, settings: BillingSettings) -> "Signer":
        if not settings.signing_p12_path:
            raise SignerUnavailable("SIGNING_P12_PATH is not set")
        return cls.from_file(
            settings.signing_p12_path,
            settings.signing_p12_password.get_secret_value(),
            settings.factura_version,
            settings.signature_algorithm,
        )

    @classmethod
    def from_file(cls, path: str, password: str, version: str, signature: str) -> "Signer":
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise SignerUnavailable(f"cannot read {path}: {error.strerror}") from None
        return cls(load_pkcs12(data, password.encode()), version, signature)

    def sign(self, invoice: Invoice, now: datetime | None = None) -> bytes:
        signing_time = (now or datetime.now(ECUADOR)).astimezone(ECUADOR).replace(microsecond=0)
        return sign_factura(
            to_xml(invoice, self.version),
            self.credentials,
            signing_time=signing_time,
            digest=_DIGEST_OF[self.signature],
            signature=self.signature,
        )

    @property
    def expires_at(self) -> datetime:
        return self.credentials.not_valid_after


# ---- signing in worker processes: the bill run's CPU floor on a core of its own

_worker: Signer | None = None


def _init_worker(path: str, password: str, version: str, signature: str) -> None:
    global _worker
    _die_with_parent()
    _worker = Signer.from_file(path, password, version, signature)


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
    """

    def __init__(self, settings: BillingSettings, processes: int) -> None:
        if not settings.signing_p12_path:
            raise SignerUnavailable("SIGNING_P12_PATH is not set")
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(
                settings.signing_p12_path,
                settings.signing_p12_password.get_secret_value(),
                settings.factura_version,
                settings.signature_algorithm,
            ),
        )

    async def run(self, function: Callable[[T], R], job: T) -> R:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, job)
