"""Test facturas for the renderer, written by billing's own code and wrapped as SRI answers them.

``to_xml`` (billing) writes the factura, ``statement_info`` (billing) the Estado de cuenta in
infoAdicional, ``sign_factura`` (billing) the XAdES signature with a throwaway self-signed key,
the SRI sandbox's ``authorization_response`` the SOAP answer, and billing's
``parse_authorizations`` cuts from it the ``<autorizacion>`` record billing stores: the renderer
is tested on exactly what the platform produces.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from billing.adapters.signing import SigningCredentials, sign_factura
from billing.adapters.sri_client import parse_authorizations
from billing.domain.bill import statement_info
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Buyer, ExtraTax, Invoice, InvoiceLine, Issuer, Payment
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Statement
from sri_sandbox.soap import AuthorizationEntry, authorization_response

FIXTURES = Path(__file__).parent / "fixtures"
HAND_WRITTEN = FIXTURES / "factura_2.1.0_ferreteria_ficticia.xml"
ECUADOR = timezone(timedelta(hours=-5))
DAY = date(2026, 12, 1)
AUTHORIZED_AT = "2026-12-01T10:15:20.123-05:00"
AUTHORIZED_PRINTED = "01/12/2026 10:15:20"

ISSUER = Issuer(
    ruc="1790011674001",
    razon_social="Telecomunicaciones de Prueba S.A.",
    nombre_comercial="Mi Claro Prueba",
    dir_matriz="Av. Amazonas N1-23 y Colón, Quito",
    obligado_contabilidad=True,
    environment=2,
    establishment="001",
    emission_point="002",
    dir_establecimiento="Av. 6 de Diciembre N33-12, Quito",
    contribuyente_especial="5368",
)
BUYER = Buyer(
    "05", "1714307103", "José Núñez Peña", "Calle Ficticia 12 y Ejemplo, Cuenca", "jose@example.com"
)
GRAN_CONTRIBUYENTE = "NAC-DGERCGC21-00000001"
PERIOD = BillingPeriod(2026, 11)
PERIOD_TEXT = "del 01/11/2026 al 30/11/2026"


def line(code: str, price: str, tax: str = "4", **kwargs: Any) -> InvoiceLine:
    description = kwargs.pop("description", f"Plan {code} 0991234567 {PERIOD_TEXT}")
    return InvoiceLine(code, description, Decimal(1), Decimal(price), tax, **kwargs)


def _statement(total: Decimal) -> list[tuple[str, str]]:
    """billing's own infoAdicional statement entries (Saldo anterior, ..., Fecha maxima de pago)."""
    account = SimpleNamespace(
        account_id="CTA-000123",
        active_subscriptions=lambda start, end: [SimpleNamespace(number="0991234567")],
    )
    statement = Statement(
        period=PERIOD.label,
        period_start=PERIOD.start,
        period_end=PERIOD.end,
        previous_balance=Decimal("12.50"),
        payments=Decimal("12.50"),
        charges=total,
        adjustments=Decimal("0.00"),
        balance_due=total,
        due_date=date(2026, 12, 16),
        movements=(),
    )
    return statement_info(account, PERIOD, statement)  # type: ignore[arg-type]


def invoice(
    *lines: InvoiceLine,
    buyer: Buyer = BUYER,
    forma_pago: str = "20",
    with_statement: bool = True,
    sequential: int = 123,
    issuer: Issuer = ISSUER,
) -> Invoice:
    probe = Invoice(issuer, buyer, DAY, sequential, "12345678", lines)
    info = _statement(probe.importe_total) if with_statement else []
    payment = Payment(forma_pago, probe.importe_total, Decimal(15), "dias")
    return Invoice(issuer, buyer, DAY, sequential, "12345678", lines, [payment], info)


def one_rate() -> Invoice:
    return invoice(line("PLAN-25", "25.99"), line("PLAN-10", "10.00"))


def designated() -> Invoice:
    """An issuer designated agente de retención and Gran Contribuyente (docs/sri.md §9)."""
    issuer = replace(ISSUER, agente_retencion="12345", gran_contribuyente=GRAN_CONTRIBUYENTE)
    return invoice(line("PLAN-25", "25.99"), issuer=issuer)


def several_rates() -> Invoice:
    return invoice(
        line("PLAN", "20.00", "4"),
        line("EQUIPO", "40.00", "5", description="Equipo terminal con IVA 5%"),
        line("EXPORT", "5.00", "0", description="Servicio con tarifa 0%"),
        line("EXENTO", "3.00", "7", description="Servicio exento de IVA"),
        line("REEMBOLSO", "2.50", "6", description="Cargo no objeto de IVA"),
    )


def with_ice() -> Invoice:
    ice = [ExtraTax("3", "3092", Decimal(15))]
    return invoice(
        line("TV-PLUS", "30.00", description="Televisión pagada TV-PLUS", extra_taxes=ice),
        line("PLAN", "20.00"),
    )


def discounted() -> Invoice:
    return invoice(
        line("PLAN", "40.00", discount=Decimal("10.00")),
        line("ROAMING", "15.50", discount=Decimal("0.50")),
    )


def many_lines(count: int = 60) -> Invoice:
    """A corporate account: one line per phone, described as billing describes plan fees."""
    lines = [
        line(
            f"L{n:03d}",
            f"{10 + n % 7}.{n % 100:02d}",
            description=f"Plan Móvil Empresarial Ilimitado 0991{n:06d} {PERIOD_TEXT}",
        )
        for n in range(1, count + 1)
    ]
    return invoice(*lines)


def factura(inv: Invoice, version: str = "2.1.0") -> bytes:
    return to_xml(inv, version)


@cache
def _credentials() -> SigningCredentials:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FIRMA DE PRUEBA")])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return SigningCredentials(key, cert)


def signed(xml: bytes) -> bytes:
    return sign_factura(xml, _credentials(), signing_time=datetime.now(ECUADOR))


def soap_answer(comprobante: bytes, *entries: tuple[str, str | None]) -> bytes:
    """SRI's autorizacionComprobante answer (the sandbox's), default one AUTORIZADO entry."""
    clave = etree.fromstring(comprobante).findtext("infoTributaria/claveAcceso") or ""
    answers = entries or (("AUTORIZADO", clave),)
    return authorization_response(
        clave,
        [
            AuthorizationEntry(
                estado, numero, AUTHORIZED_AT, "PRODUCCIÓN", comprobante.decode(), ()
            )
            for estado, numero in answers
        ],
    )


def stored_record(comprobante: bytes) -> bytes:
    """The ``<autorizacion>`` record billing keeps (and InvoiceIssued carries)."""
    # strip_cdata=False, as billing's client parses SRI's answer: the record keeps the CDATA.
    answer = etree.fromstring(soap_answer(comprobante), etree.XMLParser(strip_cdata=False))
    response = next(e for e in answer.iter() if "RespuestaAutorizacion" in str(e.tag))
    return parse_authorizations(response)[0].xml


def authorized(inv: Invoice, version: str = "2.1.0") -> bytes:
    """What the renderer gets in production: the stored record of the signed factura."""
    return stored_record(signed(factura(inv, version)))
