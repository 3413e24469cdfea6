"""Shared fixtures: a throwaway PKI, signed facturas (billing's signer) and sandbox apps.

Key material is generated per session in a tmp dir; nothing is committed.
"""

import itertools
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from lxml import etree
from starlette.applications import Starlette

from billing.adapters.signing import SigningCredentials, load_pkcs12, sign_factura
from billing.domain.factura_xml import to_xml
from billing.domain.invoice import Buyer, Invoice, InvoiceLine, Issuer, Payment
from sri_sandbox.app import create_app
from sri_sandbox.checks import today_in_ecuador
from sri_sandbox.settings import SandboxSettings
from sri_sandbox.testing import SoapClient

ISSUER = Issuer(
    ruc="1760013210001",
    razon_social="Telco del Ecuador S.A.",
    nombre_comercial="Telco",
    dir_matriz="Av. Amazonas N1-23, Quito",
    obligado_contabilidad=True,
    environment=1,
    establishment="001",
    emission_point="002",
)
BUYER = Buyer("05", "1714307103", "Juan Pérez", "Quito", "juan@example.ec")
_SEQUENTIALS = itertools.count(1)


@dataclass(frozen=True)
class Pki:
    ca_pem: Path
    ca_key: rsa.RSAPrivateKey
    ca_cert: x509.Certificate
    credentials: SigningCredentials


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "EC"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sandbox SRI Pruebas"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,  # nonRepudiation on the signing certificate
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_pki(directory: Path, label: str) -> Pki:
    """A CA and a signing certificate it issued, loaded through billing's PKCS#12 loader."""
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"CA {label}"))
        .issuer_name(_name(f"CA {label}"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"FIRMA {label}"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(12).encode()
    p12 = pkcs12.serialize_key_and_certificates(
        b"firma", key, cert, [ca_cert], serialization.BestAvailableEncryption(password)
    )
    ca_pem = directory / f"ca-{label}.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return Pki(ca_pem, ca_key, ca_cert, load_pkcs12(p12, password))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"), "confiable")


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki-otra"), "ajena")


def invoice(
    sequential: int | None = None,
    *,
    issue_date: date | None = None,
    numeric_code: str | None = None,
) -> Invoice:
    """A one-line factura dated today in Ecuador (SRI's calendar), fresh secuencial by default."""
    line = InvoiceLine("PLAN-100", "Plan Hogar 100 Mbps", Decimal(1), Decimal("25.99"), "4")
    probe = Invoice(ISSUER, BUYER, today_in_ecuador(), 1, "12345678", [line])
    return Invoice(
        ISSUER,
        BUYER,
        issue_date or today_in_ecuador(),
        sequential if sequential is not None else next(_SEQUENTIALS),
        numeric_code or f"{secrets.randbelow(10**8):08d}",
        [line],
        [Payment("20", probe.importe_total, Decimal(30), "dias")],
        [("Contrato", "C-123")],
    )


def sign(pki: Pki, xml: bytes) -> bytes:
    """billing's XAdES-BES signature (RSA-SHA1, the only one it makes)."""
    now = datetime.now(UTC).replace(microsecond=0)
    return sign_factura(xml, pki.credentials, signing_time=now)


def _edit(xml: bytes, change: Callable[[etree._Element], None]) -> bytes:
    """``xml`` after ``change`` edited its tree (to forge facturas billing would never emit)."""
    root = etree.fromstring(xml)
    change(root)
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


@pytest.fixture
def edit() -> Callable[[bytes, Callable[[etree._Element], None]], bytes]:
    return _edit


@pytest.fixture
def make_invoice() -> Callable[..., Invoice]:
    return invoice


@pytest.fixture
def sign_xml(pki: Pki, other_pki: Pki) -> Callable[..., bytes]:
    """``sign_xml(xml, untrusted=False)``: signed by the trusted CA's certificate, or by one from
    a CA the sandbox does not trust."""

    def make(xml: bytes, *, untrusted: bool = False) -> bytes:
        return sign(other_pki if untrusted else pki, xml)

    return make


@pytest.fixture
def signed(pki: Pki) -> Callable[..., bytes]:
    """Factory: a signed factura (kwargs go to ``invoice``)."""

    def make(**kwargs: object) -> bytes:
        return sign(pki, to_xml(invoice(**kwargs)))  # type: ignore[arg-type]

    return make


def settings_for(tmp_path: Path, **overrides: object) -> SandboxSettings:
    return SandboxSettings(data_dir=tmp_path / "sri-sandbox", **overrides)  # type: ignore[arg-type]


@pytest.fixture
def make_app(tmp_path: Path, pki: Pki) -> Callable[..., Starlette]:
    """Factory: a sandbox app with its own data dir, trusting ``pki``'s CA unless overridden."""

    def make(**overrides: object) -> Starlette:
        overrides.setdefault("trusted_ca", pki.ca_pem)
        return create_app(settings_for(tmp_path, **overrides))

    return make


@pytest.fixture
def app(make_app: Callable[..., Starlette]) -> Starlette:
    return make_app()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[SoapClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as http:
        yield SoapClient(http)
