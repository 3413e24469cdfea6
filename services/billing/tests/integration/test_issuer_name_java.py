"""``X509IssuerName`` is what Java's ``X500Principal.getName()`` prints (docs/sri.md §9).

SRI verifies signatures with a Java library. Java 17 (``tests/java/IssuerName.java``, run with the
single-file launcher) reads the generated certificates and prints their issuer; billing must have
written exactly that. The CA names carry what Java renders differently from RFC 4514:
attribute types without an RFC 2253 keyword (organizationIdentifier, emailAddress, serialNumber:
``OID=#hex``), characters to escape (comma, plus, quote, '=', a leading '#', spaces at the
ends), non-ASCII letters, a multi-valued RDN and the less common string types. No key
material is committed.
"""

import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID, ObjectIdentifier
from lxml import etree

from billing.adapters.signing import DS, XADES, load_pkcs12, sign_factura, verify_factura
from billing.adapters.signing.rfc2253 import java_issuer_name
from billing.domain.factura_xml import to_xml
from services.billing.tests.pki import certificate, key_usage
from services.billing.tests.unit.test_factura_xml import single_plan

JAVA = shutil.which("java")
PROGRAM = Path(__file__).parents[1] / "java" / "IssuerName.java"
ORGANIZATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")
A = x509.NameAttribute
RDN = x509.RelativeDistinguishedName

# A CA name like an Ecuadorian CA's (organizationIdentifier, e-mail) with everything to escape.
CA_NAME = x509.Name(
    [
        A(NameOID.COUNTRY_NAME, "EC"),
        A(ORGANIZATION_IDENTIFIER, "VATEC-1792261848001"),
        A(NameOID.ORGANIZATION_NAME, 'Entidad de Certificación, "Ñandú" + Cía.'),
        A(NameOID.ORGANIZATIONAL_UNIT_NAME, "#ECIBCE=1; <sub> \\ a "),
        A(NameOID.COMMON_NAME, " AC SUBORDINADA Año 2026"),
        A(NameOID.EMAIL_ADDRESS, "info@ca-prueba.ec"),
        A(NameOID.SERIAL_NUMBER, "0999"),
    ]
)
# Multi-valued RDNs, DC/UID keywords and the string types Java treats specially.
ODD_NAMES = [
    x509.Name(
        [
            RDN([A(NameOID.COMMON_NAME, "b"), A(NameOID.EMAIL_ADDRESS, "z@x.ec")]),
            RDN([A(NameOID.DOMAIN_COMPONENT, "ec"), A(NameOID.USER_ID, "u1")]),
        ]
    ),
    x509.Name(
        [
            A(NameOID.COMMON_NAME, "BMP ñ", _type=_ASN1Type.BMPString),
            A(NameOID.ORGANIZATION_NAME, "T61 ñ", _type=_ASN1Type.T61String),
            A(NameOID.ORGANIZATIONAL_UNIT_NAME, "Univ ñ", _type=_ASN1Type.UniversalString),
            A(NameOID.LOCALITY_NAME, "ia5", _type=_ASN1Type.IA5String),
            A(NameOID.STREET_ADDRESS, "a\rb\r"),
            A(NameOID.TITLE, "t\x00x"),
        ]
    ),
]


def _certificate(
    subject: x509.Name, issuer: x509.Name, key: rsa.RSAPrivateKey, signer: rsa.RSAPrivateKey
) -> x509.Certificate:
    return certificate(
        subject, issuer, key, signer, usage=key_usage(digital_signature=True), days=30
    )


def java_issuer_names(directory: Path, certs: list[x509.Certificate]) -> list[str]:
    """What Java 17 prints for each certificate's issuer."""
    if JAVA is None:
        pytest.skip("java is not installed (the test compares with Java's X500Principal)")
    paths = []
    for number, cert in enumerate(certs):
        path = directory / f"cert-{number}.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        paths.append(str(path))
    result = subprocess.run(
        [JAVA, str(PROGRAM), *paths], capture_output=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    # One name a line; not splitlines(): a name may hold a carriage return.
    return result.stdout.decode("utf-8").removesuffix("\n").split("\n")


@pytest.fixture(scope="module")
def ca_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_signed_issuer_name_is_javas(tmp_path: Path, ca_key: rsa.RSAPrivateKey) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = _certificate(x509.Name([A(NameOID.COMMON_NAME, "FIRMA")]), CA_NAME, key, ca_key)
    p12 = pkcs12.serialize_key_and_certificates(
        b"firma", key, leaf, None, serialization.BestAvailableEncryption(b"clave")
    )
    signed = sign_factura(
        to_xml(single_plan()),
        load_pkcs12(p12, b"clave"),
        signing_time=datetime.now(timezone(timedelta(hours=-5))).replace(microsecond=0),
    )
    assert verify_factura(signed)
    written = etree.fromstring(signed).findtext(
        f".//{{{XADES}}}IssuerSerial/{{{DS}}}X509IssuerName"
    )
    [java] = java_issuer_names(tmp_path, [leaf])
    assert written == java
    # What differs from RFC 4514 is in there: the OIDs in hex, '=' and '#' escaped.
    assert "2.5.4.97=#0c13" in java and "1.2.840.113549.1.9.1=#16" in java
    assert "OU=\\#ECIBCE\\=1" in java and written != leaf.issuer.rfc4514_string()


def test_odd_names_are_rendered_as_java_does(tmp_path: Path, ca_key: rsa.RSAPrivateKey) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([A(NameOID.COMMON_NAME, "FIRMA")])
    certs = [_certificate(subject, issuer, key, ca_key) for issuer in ODD_NAMES]
    assert [java_issuer_name(cert) for cert in certs] == java_issuer_names(tmp_path, certs)
