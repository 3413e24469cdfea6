"""Any comprobante the RIDE prints (factura 01, nota de crédito 04, nota de débito 05) → its
``Ride``, from SRI's autorizacion record or the bare document (see ``source.read_source``).

``doc_type`` is the kind the caller expects (billing's event names it): a document of another
kind is refused (``NotAFactura``), so an InvoiceIssued never prints a note as a factura. None
accepts any of the three (the command line).
"""

from dataclasses import replace

from rendering.domain.notes import ride_from_note
from rendering.domain.parse import ride_from_factura
from rendering.domain.ride import Ride
from rendering.domain.source import FACTURA, ROOTS, local, read_source


def read_document(data: bytes, doc_type: str | None = "01") -> Ride:
    kinds = tuple(ROOTS.values()) if doc_type is None else (ROOTS.get(doc_type, doc_type),)
    source = read_source(data, kinds)
    root = source.factura
    ride = ride_from_factura(root) if local(root) == FACTURA else ride_from_note(root)
    return replace(ride, authorization=source.authorization)
