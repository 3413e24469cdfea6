"""The RIDE as typed data: what the printed factura (or nota de crédito, de débito) shows
(docs/sri.md §6), read from its XML.

Amounts are ``Decimal`` exactly as the XML carries them (never float); codes are already turned
into the words the RIDE prints. ``parse.read_ride`` builds it; the PDF adapter only lays it out.
"""

from dataclasses import dataclass
from decimal import Decimal


class RideError(ValueError):
    """The input cannot be rendered as a RIDE; the message says why."""


class NotAFactura(RideError):
    """Not an SRI factura (or its autorizacion), or a factura missing what the XSD requires."""


class NotAuthorized(RideError):
    """An autorizacion whose estado is not AUTORIZADO: there is no fiscal document to print."""


@dataclass(frozen=True)
class Field:
    """A name and its text, as printed: a campoAdicional, a detAdicional, a statement entry."""

    name: str
    value: str


@dataclass(frozen=True)
class Amount:
    """One line of the totals box."""

    label: str
    value: Decimal


@dataclass(frozen=True)
class Authorization:
    """SRI's answer around the comprobante (absent for a bare, possibly unsigned, factura)."""

    number: str
    authorized_at: str  # as printed: dd/mm/yyyy HH:MM:SS, Ecuador time
    environment: str | None  # PRUEBAS | PRODUCCIÓN, as SRI wrote it


@dataclass(frozen=True)
class Issuer:
    ruc: str
    razon_social: str
    nombre_comercial: str | None
    dir_matriz: str
    dir_establecimiento: str | None
    contribuyente_especial: str | None
    obligado_contabilidad: str | None  # SI | NO
    agente_retencion: str | None  # the designation's resolution number
    contribuyente_rimpe: str | None  # the leyenda, as the XML writes it


@dataclass(frozen=True)
class Buyer:
    name: str
    id_type: str  # the words: RUC, CÉDULA, PASAPORTE, ...
    identification: str
    address: str | None
    guia_remision: str | None


@dataclass(frozen=True)
class Tax:
    """A detalle's impuesto or a totalImpuesto; ``rate`` is the tarifa when the XML has one."""

    code: str
    rate_code: str
    rate: Decimal | None
    base: Decimal
    value: Decimal


@dataclass(frozen=True)
class Line:
    code: str | None
    aux_code: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    total: Decimal  # precioTotalSinImpuesto
    details: tuple[Field, ...]
    taxes: tuple[Tax, ...]
    unit: str | None = None  # unidadMedida (MB, minutos), printed after the cantidad


@dataclass(frozen=True)
class Payment:
    code: str
    description: str
    total: Decimal
    term: Decimal | None
    time_unit: str | None


@dataclass(frozen=True)
class Section:
    """A table the RIDE prints only when the factura has it (reembolsos, retenciones, ...)."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str | Decimal, ...], ...]


@dataclass(frozen=True)
class Modified:
    """The comprobante a nota de crédito or de débito modifies (docs/sri.md, notes)."""

    doc_type: str  # the words: FACTURA, ...
    number: str  # numDocModificado, 001-001-000000123
    issue_date: str  # fechaEmisionDocSustento, dd/mm/yyyy as in the XML


@dataclass(frozen=True)
class Reason:
    """A nota de débito's motivo (razón and valor); a credit note's motivo has no value."""

    text: str
    value: Decimal | None = None


@dataclass(frozen=True)
class Ride:
    version: str
    access_key: str
    number: str  # estab-ptoEmi-secuencial
    environment: str
    emission: str
    issue_date: str  # dd/mm/yyyy as in the XML
    currency: str | None
    issuer: Issuer
    buyer: Buyer
    lines: tuple[Line, ...]
    payments: tuple[Payment, ...]
    additional_info: tuple[Field, ...]
    totals: tuple[Amount, ...]
    statement: tuple[Field, ...]  # the non-fiscal Estado de cuenta; empty when absent
    sections: tuple[Section, ...]
    authorization: Authorization | None
    # The comprobante's kind: the title printed, and for a note what it modifies and why.
    title: str = "FACTURA"
    modified: Modified | None = None
    reasons: tuple[Reason, ...] = ()
    total_label: str = "VALOR TOTAL"  # a nota de crédito's is VALOR MODIFICACIÓN

    @property
    def name(self) -> str:
        """The title as a sentence names it: "Factura", "Nota de crédito"."""
        return self.title.capitalize()

    @property
    def authorization_number(self) -> str:
        """Since the offline scheme, SRI's número de autorización is the clave de acceso."""
        return (self.authorization and self.authorization.number) or self.access_key
