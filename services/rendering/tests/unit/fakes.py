"""In-memory stand-ins for rendering's ports, and InvoiceIssued events to feed the consumer.

``invoice_issued(xml)`` makes the event as billing publishes it (the XML's digest and size) and
puts the XML in ``BILLING``, the documents billing serves, which ``FakeDocuments`` reads."""

import copy
import hashlib
import uuid
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from common.contracts import CreditNoteIssued, DebitNoteIssued, InvoiceIssued
from common.contracts.base import Event
from common.contracts.billing import Holder, InvoiceIssuedData, StatementSummary, Totals
from common.testing import FakeDocuments as SharedFakeDocuments
from rendering.bootstrap import Rendering, bootstrap
from rendering.domain.ride import NotAFactura
from rendering.domain.rides import Ride, StoredPdf
from rendering.events import to_wire
from rendering.settings import RenderingSettings

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
LINK_KEY = "clave-de-enlaces-de-prueba"
SETTINGS = RenderingSettings(consumer_backoff_seconds=0.0, ride_link_key=LINK_KEY)
ACCESS_KEY = "0112202601179001167400120010010000001231234567811"
NOT_A_FACTURA = b"<notaCredito/>"
DEFAULT_XML = "<autorizacion>…</autorizacion>"
# What billing serves (GET /v1/documents/{access_key}.xml), by clave de acceso.
BILLING: dict[str, bytes] = {}


@dataclass
class FakeStorage:
    files: dict[str, StoredPdf] = field(default_factory=dict)
    puts: int = 0

    async def exists(self, access_key: str) -> bool:
        return access_key in self.files

    async def put(self, access_key: str, number: str, pdf: bytes) -> None:
        self.puts += 1
        self.files.setdefault(access_key, StoredPdf(access_key, number, pdf))

    async def get(self, access_key: str) -> StoredPdf | None:
        return self.files.get(access_key)


@dataclass
class FakeRides:
    """Records by clave (the unique _id); ``outbox`` holds the wire events of every insert."""

    rows: dict[str, Ride] = field(default_factory=dict)
    outbox: list[Event] = field(default_factory=list)

    async def by_key(self, access_key: str) -> Ride | None:
        ride = self.rows.get(access_key)
        return copy.deepcopy(ride) if ride else None

    async def add(self, ride: Ride) -> bool:
        if ride.access_key in self.rows:
            return False
        self.outbox.extend(to_wire(event) for event in ride.events)
        ride.events = []
        self.rows[ride.access_key] = copy.deepcopy(ride)
        return True

    async def replace_retryable(self, ride: Ride) -> bool:
        current = self.rows.get(ride.access_key)
        if current is None or current.settled:
            return False
        del self.rows[ride.access_key]  # its outcome is replaced; the outbox keeps its events
        return await self.add(ride)


@dataclass
class FakeRenderer:
    """A "PDF" that names its input; refuses what the real one refuses in these tests. The
    first ``breakdowns`` calls fail as a pool whose worker died does."""

    calls: int = 0
    breakdowns: int = 0
    doc_types: list[str] = field(default_factory=list)

    async def render(self, xml: bytes, doc_type: str = "01") -> bytes:
        self.calls += 1
        self.doc_types.append(doc_type)
        if self.breakdowns:
            self.breakdowns -= 1
            raise BrokenProcessPool("A child process terminated abruptly")
        if xml == NOT_A_FACTURA:
            raise NotAFactura("El documento no es una factura del SRI.")
        return b"%PDF-1.7 " + xml


@dataclass
class FakeDocuments(SharedFakeDocuments):
    """common.testing's billing documents, serving the invoices of these fakes."""

    served: dict[str, bytes] = field(default_factory=lambda: BILLING)


def service(**overrides: Any) -> Rendering:
    parts: dict[str, Any] = {
        "rides": FakeRides(),
        "storage": FakeStorage(),
        "renderer": FakeRenderer(),
        "documents": FakeDocuments(),
        "clock": lambda: T0,
    }
    return bootstrap(SETTINGS, **(parts | overrides))


def invoice_issued(xml: str = DEFAULT_XML, **changes: Any) -> InvoiceIssued:
    """The event billing publishes for an invoice whose authorized XML is ``xml`` (served by
    ``BILLING`` from now on)."""
    record = xml.encode()
    data: dict[str, Any] = {
        "invoice_id": "inv-1",
        "account_id": "acc-1",
        "period": "2026-11",
        "number": "001-001-000000123",
        "access_key": ACCESS_KEY,
        "issue_date": date(2026, 12, 1),
        "authorization_number": ACCESS_KEY,
        "authorized_at": T0,
        "environment": "PRUEBAS",
        "holder": Holder(
            name="Rosa Tenesaca", email=None, id_type="cedula", id_number="0102030405"
        ),
        "lines": ["+593991234567"],
        "totals": Totals(subtotal="10.00", discount="0.00", taxes="1.50", total="11.50"),
        "statement": StatementSummary(
            previous_balance="0.00",
            payments="0.00",
            charges="11.50",
            adjustments="0.00",
            balance_due="11.50",
            due_date=date(2026, 12, 16),
        ),
        "authorized_xml_sha256": hashlib.sha256(record).hexdigest(),
        "authorized_xml_size": len(record),
    }
    issued = InvoiceIssuedData(**(data | changes))
    BILLING[issued.access_key] = record
    return InvoiceIssued(data=issued, event_id=uuid.uuid4())


NOTE_KEY = "0112202604179001167400120010010000000071234567811"


def note_issued(
    kind: type[CreditNoteIssued] | type[DebitNoteIssued], xml: str = DEFAULT_XML, **changes: Any
) -> CreditNoteIssued | DebitNoteIssued:
    """The event billing publishes for a nota de crédito or de débito (its XML served by
    ``BILLING``)."""
    record = xml.encode()
    data: dict[str, Any] = {
        "note_id": "note-1",
        "account_id": "acc-1",
        "number": "001-001-000000007",
        "access_key": NOTE_KEY,
        "issue_date": date(2026, 12, 1),
        "authorization_number": NOTE_KEY,
        "authorized_at": T0,
        "environment": "PRUEBAS",
        "holder": Holder(
            name="Rosa Tenesaca", email=None, id_type="cedula", id_number="0102030405"
        ),
        "lines": ["+593991234567"],
        "modified_invoice_id": "inv-1",
        "modified_number": "001-001-000000123",
        "modified_issue_date": date(2026, 11, 1),
        "reason": "Compensación por corte del servicio",
        "totals": Totals(subtotal="2.00", discount="0.00", taxes="0.30", total="2.30"),
        "authorized_xml_sha256": hashlib.sha256(record).hexdigest(),
        "authorized_xml_size": len(record),
    }
    BILLING[NOTE_KEY] = record
    return kind.model_validate({"data": data | changes, "event_id": uuid.uuid4()})
