"""Test-only crash points: the process SIGKILLs itself the n-th time it reaches a named point.

The fault test (tests/e2e/test_billing_kills.py) kills billing at random instants *of every
phase* — before, between and after the invoice write, the XML write and each SRI call — which a
kill from outside at a random delay only hits by luck. ``CRASH_POINTS="after_reception:3"``
makes the third reception answer the last thing this process ever sees: the answer arrived, SRI
holds the document, and nothing of it was written. ``os.kill(SIGKILL)``, not an exception: no
``finally``, no flush, no shutdown, exactly what a kill -9 leaves behind.

Only wired when the setting is non-empty, and the settings refuse it with ``APP_ENV=production``.
"""

import os
import signal
from collections import Counter
from collections.abc import Iterable, Sequence

from billing.adapters.store.invoices import InvoiceStore
from billing.domain.issued_invoice import IssuedInvoice
from billing.ports import InsertResult, InvoiceRecord, Sri, SriAuthorization, SriReception
from common.database import Database
from common.logging import get_logger

log = get_logger(__name__)

# Where the writes and the SRI calls of a bill run and of the submitter can be cut short.
POINTS = (
    "before_invoice_write",
    "after_invoice_write",
    "before_xml_write",
    "after_xml_write",
    "before_reception",
    "after_reception",
    "before_authorization",
    "after_authorization",
    "before_authorized_xml_write",
    "after_authorized_xml_write",
    "before_state_write",
    "after_state_write",
)


def parse(spec: str) -> dict[str, int]:
    """``"after_reception:3,before_invoice_write:1"`` → {point: the visit that kills}."""
    targets: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, count = item.partition(":")
        if name not in POINTS:
            raise ValueError(f"unknown crash point {name!r}; known: {', '.join(POINTS)}")
        targets[name] = int(count or "1")
        if targets[name] < 1:
            raise ValueError(f"crash point {name}: the visit must be 1 or more")
    return targets


class CrashPoints:
    def __init__(self, spec: str) -> None:
        self._targets = parse(spec)
        self._visits: Counter[str] = Counter()

    def __bool__(self) -> bool:
        return bool(self._targets)

    def reach(self, point: str) -> None:
        self._visits[point] += 1
        if self._visits[point] == self._targets.get(point):
            log.warning("crash_point_reached", point=point, visit=self._visits[point])
            os.kill(os.getpid(), signal.SIGKILL)


class CrashingInvoiceStore(InvoiceStore):
    """The invoice store with a crash point before and after each write."""

    def __init__(self, database: Database, points: CrashPoints) -> None:
        super().__init__(database)
        self._points = points

    async def insert_batch(self, records: Sequence[InvoiceRecord]) -> InsertResult:
        self._points.reach("before_invoice_write")
        result = await super().insert_batch(records)
        self._points.reach("after_invoice_write")
        return result

    async def save_signed(self, documents: Iterable[tuple[str, bytes]]) -> None:
        self._points.reach("before_xml_write")
        await super().save_signed(documents)
        self._points.reach("after_xml_write")

    async def save_authorized(self, invoice_id: str, xml: bytes) -> None:
        self._points.reach("before_authorized_xml_write")
        await super().save_authorized(invoice_id, xml)
        self._points.reach("after_authorized_xml_write")

    async def save(self, invoice: IssuedInvoice) -> bool:
        self._points.reach("before_state_write")
        saved = await super().save(invoice)
        self._points.reach("after_state_write")
        return saved


class CrashingSri:
    """The SRI client with a crash point before each call and after its answer."""

    def __init__(self, sri: Sri, points: CrashPoints) -> None:
        self._sri, self._points = sri, points

    async def submit(self, signed_xml: bytes) -> SriReception:
        self._points.reach("before_reception")
        answer = await self._sri.submit(signed_xml)
        self._points.reach("after_reception")
        return answer

    async def authorizations(self, access_key: str) -> Sequence[SriAuthorization]:
        self._points.reach("before_authorization")
        answers = await self._sri.authorizations(access_key)
        self._points.reach("after_authorization")
        return answers
