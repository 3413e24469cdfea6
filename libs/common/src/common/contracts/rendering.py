"""Events published by rendering."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from common.contracts.base import Event


class RenderingEvent(Event, source="rendering"):
    """Published by rendering."""


# The RIDE's document: "01" a factura; "04", "05" a nota de crédito, de débito, whose note_id is
# in invoice_id (the key) and whose issue month is in period. Absent (older events): a factura.
DocType = Literal["01", "04", "05"]


class RideRenderedData(BaseModel):
    invoice_id: str
    account_id: str
    access_key: str
    number: str  # 001-001-000000123
    period: str  # YYYY-MM
    size: int  # bytes of the PDF
    sha256: str  # hex digest of the PDF
    rendered_at: datetime
    doc_type: DocType = "01"


class RideRendered(RenderingEvent, key="invoice_id"):
    """The RIDE (PDF/A-3b) of an authorized invoice (or credit or debit note: ``doc_type``) is
    stored and can be downloaded."""

    data: RideRenderedData


class RideFailedData(BaseModel):
    invoice_id: str
    account_id: str
    access_key: str
    number: str
    period: str
    error: str
    # False: the XML is no printable factura (final). True: every attempt failed for another
    # cause (workers, storage); replaying the InvoiceIssued from the DLQ renders it, and
    # RideRendered follows.
    retryable: bool = False
    failed_at: datetime
    doc_type: DocType = "01"


class RideFailed(RenderingEvent, key="invoice_id"):
    """An invoice's RIDE could not be rendered: its XML is no printable factura (not a factura,
    not authorized), or every attempt failed (``retryable``); the InvoiceIssued message is in
    the DLQ for an operator."""

    data: RideFailedData
