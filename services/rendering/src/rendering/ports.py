"""What the use cases need from the outside, as Protocols (adapters/ and tests/unit/fakes.py
implement them)."""

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from rendering.domain.rides import Ride, StoredPdf

Clock = Callable[[], datetime]


class RideStorage(Protocol):
    """The PDFs, keyed by clave de acceso (GridFS today; an S3-compatible store can follow)."""

    async def exists(self, access_key: str) -> bool: ...

    async def put(self, access_key: str, number: str, pdf: bytes) -> None:
        """Store the PDF; a PDF already stored under ``access_key`` is kept as it is."""
        ...

    async def get(self, access_key: str) -> StoredPdf | None: ...


class Rides(Protocol):
    """One record per clave de acceso, carrying its events to the outbox."""

    async def by_key(self, access_key: str) -> Ride | None: ...

    async def add(self, ride: Ride) -> bool:
        """Insert the record with its events; False if one exists for that clave already."""
        ...

    async def replace_retryable(self, ride: Ride) -> bool:
        """Replace the record of a retryable failure with ``ride``, its events added to the
        outbox (those not yet published stay); False if the record is no longer one."""
        ...


class Renderer(Protocol):
    async def render(self, xml: bytes, doc_type: str = "01") -> bytes:
        """The PDF/A-3b; raises ``RideError`` when the XML is no printable comprobante of
        ``doc_type`` (01 factura, 04 nota de crédito, 05 nota de débito)."""
        ...


class FiscalDocuments(Protocol):
    """billing's authorized XML by clave de acceso (common.documents.BillingDocuments)."""

    async def authorized_xml(self, access_key: str, sha256: str, size: int) -> bytes:
        """The XML, exactly the bytes of that digest and size. Raises a TransientError while
        billing cannot answer, a PermanentError for a clave it does not have or other bytes."""
        ...


class LinkSettings(Protocol):
    @property
    def ride_link_secret(self) -> str: ...


class RenderingService(Protocol):
    """The service object as the use cases see it (bootstrap.Rendering implements it)."""

    @property
    def rides(self) -> Rides: ...

    @property
    def storage(self) -> RideStorage: ...

    @property
    def renderer(self) -> Renderer: ...

    @property
    def documents(self) -> FiscalDocuments: ...

    @property
    def settings(self) -> LinkSettings: ...

    @property
    def clock(self) -> Clock: ...
