"""Comprobantes de retención received (POST /v1/admin/withholdings): validate the authorized
XML a customer sent, store it once per clave de acceso and credit what it withheld.

Order matters for "credited once": the retention is stored first (its clave is the ``_id``, so a
duplicate collides), then the ledger entry, which is idempotent on the same clave. If the process
dies between the two, posting the document again answers 409 but writes the missing credit first.
"""

from datetime import datetime

from billing.domain.invoice import document_id
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.ledger import LedgerEntry
from billing.domain.retention import parse_retention, unwrap
from billing.domain.withholding import Withheld, WithholdingRecord, check_retention
from billing.ports.withholdings import Withholdings
from common.errors import Conflict, InvalidInput

INVALID = "El comprobante de retención no es válido."


class WithholdingDuplicate(Conflict):
    """That clave was received before: 409 with the first one's id."""

    def __init__(self, withholding_id: str) -> None:
        super().__init__(
            "withholding_duplicate", "Esta retención ya fue registrada (misma clave de acceso)."
        )
        self.extra["withholding_id"] = withholding_id


async def receive(svc: Withholdings, body: bytes, now: datetime) -> WithholdingRecord:
    envelope = unwrap(body)
    comprobante = envelope.comprobante
    schema_errors = svc.retention_documents.schema_errors(comprobante)
    if schema_errors:
        message = "El comprobante no cumple el esquema del SRI (ComprobanteRetencion 2.0.0): "
        raise InvalidInput({"xml": message + schema_errors[0]}, INVALID)
    if svc.retention_documents.signature_error(comprobante) is not None:
        raise InvalidInput({"xml": "La firma electrónica del comprobante no es válida."}, INVALID)
    retention = parse_retention(comprobante)
    issuer = await svc.issuer.issuer()
    if issuer is None:
        raise InvalidInput({"ruc": "Configure primero el emisor (RUC de la empresa)."}, INVALID)
    await _refuse_duplicate(svc, retention.access_key)
    facturas: dict[str, IssuedInvoice | None] = {}
    for doc in retention.documents:
        number = doc.number
        ours = document_id(issuer.ruc, number[:3], number[3:6], int(number[6:]))
        facturas[number] = await svc.invoices.get(ours)
    earlier = await _earlier(svc, facturas)
    check_retention(envelope, retention, issuer.ruc, issuer.environment, facturas, earlier)
    found = [f for f in facturas.values() if f is not None]
    record = WithholdingRecord.accepted(retention, envelope, found, now, body)
    if not await svc.withholdings.add(record):
        await _refuse_duplicate(svc, record.withholding_id)
    await _credit(svc, record)
    return record


async def _earlier(
    svc: Withholdings, facturas: dict[str, IssuedInvoice | None]
) -> dict[str, Withheld]:
    """What the retenciones accepted before withheld on each factura: together with this one
    they may not exceed it. (Two different retenciones on one factura posted at the same instant
    could each pass alone: retenciones arrive one by one from the customer's accounting.)"""
    earlier: dict[str, Withheld] = {}
    for number, found in facturas.items():
        if found is None:
            continue
        records = await svc.withholdings.of_invoice(found.invoice_id)
        retentions = [parse_retention(unwrap(r.xml.encode()).comprobante) for r in records]
        earlier[number] = Withheld.on(number, retentions)
    return earlier


async def _refuse_duplicate(svc: Withholdings, withholding_id: str) -> None:
    stored = await svc.withholdings.get(withholding_id)
    if stored is not None:
        await _credit(svc, stored)  # a no-op unless a crash came between store and credit
        raise WithholdingDuplicate(withholding_id)


async def _credit(svc: Withholdings, record: WithholdingRecord) -> None:
    await svc.ledger.add(LedgerEntry.withholding(record.event(), record.description))
