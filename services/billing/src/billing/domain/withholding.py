"""Comprobantes de retención received (codDoc 07, docs/sri.md §9): a corporate customer that is a
withholding agent withholds part of a factura we issued and pays the rest; the amount withheld
is credited on its statement.

What we receive is the authorized record as SRI returns it (``retention.py`` reads it); the
``check_*`` functions here are the rules, each answering Spanish messages per request field
(``xml``, ``clave_acceso``, ``ruc``, ``factura``, ``amount``), and ``WithholdingRecord`` is what is
stored and credited. Nothing here reads files or the database: the use case fetches the facturas
and hands them in.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from billing.domain import access_key
from billing.domain.events import WithholdingReceived
from billing.domain.invoice import Invoice
from billing.domain.issued_invoice import IssuedInvoice
from billing.domain.money import round_fiscal
from billing.domain.retention import ZERO, Envelope, Retention, SupportingDocument
from common.errors import InvalidInput

RETENTION_DOC_TYPE = "07"
FACTURA_DOC_TYPE = "01"
AUTHORIZED = "AUTORIZADO"
RENTA, IVA = "1", "2"  # retencion/codigo: income tax, IVA (6 = ISD never applies to us)
IVA_TAX_CODE = "2"  # the factura's totalImpuesto codigo for IVA
# The agent computes valorRetenido = base × porcentaje / 100 and rounds it; a cent of slack.
ROUNDING_SLACK = Decimal("0.01")

Errors = dict[str, str]


# --- the checks: each returns {field: Spanish message} for what it found wrong ---------------


def check_authorization(envelope: Envelope, retention: Retention) -> Errors:
    """AUTORIZADO, and (offline scheme) numeroAutorizacion is the comprobante's clave."""
    if envelope.status != AUTHORIZED:
        return {"xml": f"El SRI no autorizó este comprobante (estado {envelope.status or '—'})."}
    if envelope.number != retention.access_key:
        return {"xml": "El número de autorización no es la clave de acceso del comprobante."}
    if not envelope.authorized_at:
        return {"xml": "La autorización no tiene fecha de autorización."}
    return {}


def check_access_key(retention: Retention) -> Errors:
    """A valid clave (modulo 11, every field) of a retention (07) that says what the XML says."""
    try:
        parts = access_key.parse(retention.access_key)
    except ValueError:
        return {"clave_acceso": "La clave de acceso no es válida (dígito verificador o formato)."}
    if parts.doc_type != RETENTION_DOC_TYPE or retention.doc_type != RETENTION_DOC_TYPE:
        return {"clave_acceso": "La clave de acceso no es de un comprobante de retención (07)."}
    matches = (
        parts.ruc == retention.agent_ruc
        and str(int(parts.environment)) == retention.environment
        and parts.establishment == retention.establishment
        and parts.emission_point == retention.emission_point
        and f"{parts.sequential:09d}" == retention.sequential
        and parts.issue_date == retention.issue_date
    )
    if not matches:
        return {"clave_acceso": "La clave de acceso no coincide con los datos del comprobante."}
    return {}


def check_subject(retention: Retention, our_ruc: str, our_environment: int) -> Errors:
    """Withheld from us, in the SRI environment we issue in (a test retention is worthless in
    production and the other way round)."""
    errors: Errors = {}
    if retention.subject_id != our_ruc:
        errors["ruc"] = (
            f"El sujeto retenido ({retention.subject_id}) no es nuestro RUC ({our_ruc})."
        )
    if retention.environment != str(our_environment):
        errors["xml"] = "El comprobante es de otro ambiente del SRI (pruebas/producción)."
    if not retention.documents:
        errors["factura"] = "El comprobante no tiene documentos sustento."
    return errors


def check_document(
    retention: Retention, doc: SupportingDocument, found: IssuedInvoice | None
) -> Errors:
    """The docSustento names one of our authorized facturas, issued to the agent, as it is."""
    number = doc.printed_number
    if doc.doc_type != FACTURA_DOC_TYPE:
        return {"factura": f"Solo se aceptan retenciones sobre facturas (01), no {doc.doc_type}."}
    if found is None:
        return {"factura": f"La factura {number} no es nuestra o no existe."}
    if found.public_status != "authorized":
        return {"factura": f"La factura {number} no está autorizada por el SRI."}
    if found.issue_date != doc.issue_date:
        return {"factura": f"La fecha de emisión de la factura {number} no coincide."}
    if retention.issue_date < found.issue_date:
        return {"factura": f"La retención es anterior a la factura {number}."}
    if doc.authorization is not None and doc.authorization != found.access_key:
        return {"factura": f"El número de autorización de la factura {number} no coincide."}
    if found.holder.id_number != retention.agent_ruc:
        return {"factura": f"La factura {number} no fue emitida al agente de retención."}
    if doc.subtotal != Decimal(found.totals.subtotal) or doc.total != Decimal(found.totals.total):
        return {"factura": f"Los totales de la factura {number} no coinciden con los nuestros."}
    return {}


def _iva(factura: Invoice) -> Decimal:
    return sum((t.value for t in factura.total_con_impuestos if t.tax_code == IVA_TAX_CODE), ZERO)


@dataclass(frozen=True)
class Withheld:
    """What retenciones already accepted withheld on one factura: bases and values per tax."""

    bases: Mapping[str, Decimal] = field(default_factory=dict)
    amounts: Mapping[str, Decimal] = field(default_factory=dict)

    @classmethod
    def on(cls, number: str, retentions: Iterable[Retention]) -> "Withheld":
        """The sums over the docSustento ``number`` (15 digits) of ``retentions``."""
        bases: dict[str, Decimal] = {}
        amounts: dict[str, Decimal] = {}
        for retention in retentions:
            for doc in retention.documents:
                if doc.number != number:
                    continue
                for tax in doc.taxes:
                    bases[tax.code] = bases.get(tax.code, ZERO) + tax.base
                    amounts[tax.code] = amounts.get(tax.code, ZERO) + tax.amount
        return cls(bases, amounts)


def check_amounts(
    doc: SupportingDocument, factura: Invoice, earlier: Withheld | None = None
) -> Errors:
    """What was withheld adds up and stays within the factura: income tax on at most its base,
    IVA on at most its IVA; each valorRetenido is base × porcentaje (a cent of slack). With the
    retenciones already accepted on it (``earlier``): together, never more than the factura."""
    number = doc.printed_number
    if not doc.taxes or doc.withheld <= 0:
        return {"amount": f"La retención sobre la factura {number} no retiene nada."}
    before = earlier or Withheld()
    iva = _iva(factura)
    limits = {RENTA: factura.total_sin_impuestos, IVA: iva}
    withheld: dict[str, Decimal] = dict(before.amounts)
    bases: dict[str, Decimal] = dict(before.bases)
    for tax in doc.taxes:
        if tax.code not in limits:
            return {"amount": f"El impuesto {tax.code} no se retiene sobre nuestras facturas."}
        if abs(round_fiscal(tax.base * tax.rate / 100) - tax.amount) > ROUNDING_SLACK:
            return {"amount": f"El valor retenido {tax.amount} no es la base por el porcentaje."}
        bases[tax.code] = bases.get(tax.code, ZERO) + tax.base
        if bases[tax.code] > limits[tax.code]:
            what = "la base imponible" if tax.code == RENTA else "el IVA"
            again = " con las retenciones ya registradas" if before.bases.get(tax.code) else ""
            return {"amount": f"La base {tax.base} supera {what} de la factura {number}{again}."}
        withheld[tax.code] = withheld.get(tax.code, ZERO) + tax.amount
    if withheld.get(IVA, ZERO) > iva:
        return {"amount": f"El IVA retenido supera el IVA de la factura {number}."}
    return {}


def check_retention(
    envelope: Envelope,
    retention: Retention,
    our_ruc: str,
    our_environment: int,
    facturas: Mapping[str, IssuedInvoice | None],
    earlier: Mapping[str, Withheld] | None = None,
) -> None:
    """Every rule; all failures in one 422 (first message per field). ``facturas`` maps each
    docSustento's numDocSustento to our invoice of that number (None: not ours), ``earlier`` to
    what retenciones accepted before withheld on it."""
    errors: Errors = {}
    for found in (
        check_authorization(envelope, retention),
        check_access_key(retention),
        check_subject(retention, our_ruc, our_environment),
        *_document_errors(retention, facturas, earlier or {}),
    ):
        for name, message in found.items():
            errors.setdefault(name, message)
    if errors:
        raise InvalidInput(errors, "El comprobante de retención no es válido.")


def _document_errors(
    retention: Retention,
    facturas: Mapping[str, IssuedInvoice | None],
    earlier: Mapping[str, Withheld],
) -> Iterable[Errors]:
    accounts = set()
    for doc in retention.documents:
        found = facturas.get(doc.number)
        errors = check_document(retention, doc, found)
        if not errors and found is not None and found.factura is not None:
            errors = check_amounts(doc, found.factura, earlier.get(doc.number))
        if found is not None:
            accounts.add(found.account_id)
        yield errors
    if len(accounts) > 1:
        yield {"factura": "Las facturas de la retención son de cuentas distintas."}


# --- what is stored and credited -------------------------------------------------------------


@dataclass(frozen=True)
class WithholdingRecord:
    """A retention we accepted: its id is its clave de acceso (one per clave, ever)."""

    withholding_id: str
    account_id: str
    amount: Decimal
    issue_date: date
    agent_ruc: str
    agent_name: str
    retention_number: str
    invoice_ids: tuple[str, ...]
    invoice_numbers: tuple[str, ...]
    authorized_at: str  # fechaAutorizacion as SRI wrote it
    received_at: datetime
    xml: str  # the authorization record as received (the fiscal evidence)

    @classmethod
    def accepted(
        cls,
        retention: Retention,
        envelope: Envelope,
        invoices: Iterable[IssuedInvoice],
        received_at: datetime,
        xml: bytes,
    ) -> "WithholdingRecord":
        found = list(invoices)
        return cls(
            withholding_id=retention.access_key,
            account_id=found[0].account_id,
            amount=retention.withheld,
            issue_date=retention.issue_date,
            agent_ruc=retention.agent_ruc,
            agent_name=retention.agent_name,
            retention_number=retention.number,
            invoice_ids=tuple(i.invoice_id for i in found),
            invoice_numbers=tuple(i.number for i in found),
            authorized_at=envelope.authorized_at,
            received_at=received_at,
            xml=xml.decode(),
        )

    def event(self) -> WithholdingReceived:
        return WithholdingReceived(
            withholding_id=self.withholding_id,
            account_id=self.account_id,
            amount=self.amount,
            issue_date=self.issue_date,
            agent_ruc=self.agent_ruc,
            retention_number=self.retention_number,
            invoice_ids=self.invoice_ids,
        )

    @property
    def description(self) -> str:
        """The statement's line: the retention's number and the facturas it withholds on."""
        facturas = ", ".join(self.invoice_numbers)
        kind = "factura" if len(self.invoice_numbers) == 1 else "facturas"
        return f"Retención {self.retention_number} ({self.agent_ruc}) sobre {kind} {facturas}"
