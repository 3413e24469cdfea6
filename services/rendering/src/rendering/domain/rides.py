"""A RIDE to make for an authorized invoice (or nota de crédito, de débito), and its outcome:
rendered (stored, with the PDF's size and digest) or failed — for good (the XML is no factura
that can be printed) or for now (every attempt failed for a cause outside the XML:
``retryable``, a replay renders again). Pure."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RideRequest:
    """What rendering needs of an InvoiceIssued: who, and which document — the authorized XML
    billing keeps, named by its clave de acceso, SHA-256 and size."""

    invoice_id: str
    account_id: str
    access_key: str
    number: str
    period: str
    authorized_xml_sha256: str
    authorized_xml_size: int
    # 01 a factura; 04, 05 a nota de crédito, de débito (its note id in invoice_id, its issue
    # month in period).
    doc_type: str = "01"


@dataclass(frozen=True)
class RideRendered:
    invoice_id: str
    account_id: str
    access_key: str
    number: str
    period: str
    size: int
    sha256: str
    occurred_at: datetime
    doc_type: str = "01"


@dataclass(frozen=True)
class RideFailed:
    invoice_id: str
    account_id: str
    access_key: str
    number: str
    period: str
    error: str
    retryable: bool
    occurred_at: datetime
    doc_type: str = "01"


DomainEvent = RideRendered | RideFailed


@dataclass
class Ride:
    """One per clave de acceso: the record of what rendering did with it, and its events."""

    access_key: str
    invoice_id: str
    account_id: str
    number: str
    period: str
    status: str  # rendered | failed
    size: int | None = None
    sha256: str | None = None
    error: str | None = None
    # A failure whose cause was not the XML (workers, storage): a replay may still render it.
    retryable: bool = False
    at: datetime | None = None
    doc_type: str = "01"  # absent from records older than the notes: a factura
    events: list[DomainEvent] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        """Nothing more to do for this clave: rendered, or refused for what its XML is."""
        return self.status == "rendered" or not self.retryable

    @classmethod
    def rendered(cls, request: RideRequest, pdf: bytes, now: datetime) -> "Ride":
        digest = hashlib.sha256(pdf).hexdigest()
        ride = cls(
            access_key=request.access_key,
            invoice_id=request.invoice_id,
            account_id=request.account_id,
            number=request.number,
            period=request.period,
            status="rendered",
            size=len(pdf),
            sha256=digest,
            at=now,
            doc_type=request.doc_type,
        )
        ride.events.append(
            RideRendered(
                invoice_id=request.invoice_id,
                account_id=request.account_id,
                access_key=request.access_key,
                number=request.number,
                period=request.period,
                size=len(pdf),
                sha256=digest,
                occurred_at=now,
                doc_type=request.doc_type,
            )
        )
        return ride

    @classmethod
    def failed(
        cls, request: RideRequest, error: str, now: datetime, *, retryable: bool = False
    ) -> "Ride":
        ride = cls(
            access_key=request.access_key,
            invoice_id=request.invoice_id,
            account_id=request.account_id,
            number=request.number,
            period=request.period,
            status="failed",
            error=error,
            retryable=retryable,
            at=now,
            doc_type=request.doc_type,
        )
        ride.events.append(
            RideFailed(
                invoice_id=request.invoice_id,
                account_id=request.account_id,
                access_key=request.access_key,
                number=request.number,
                period=request.period,
                error=error,
                retryable=retryable,
                occurred_at=now,
                doc_type=request.doc_type,
            )
        )
        return ride


@dataclass(frozen=True)
class StoredPdf:
    """A stored RIDE: the invoice number names the downloaded file."""

    access_key: str
    number: str
    content: bytes
