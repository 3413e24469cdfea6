"""XAdES-BES signing of facturas: XSD-valid, accepted by xmlsec1 and by our own verifier.

Key material (a test CA and a signing certificate in a PKCS#12) is generated per session in a tmp
dir; nothing is committed.
"""

import base64
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from lxml import etree

from billing.adapters.signing import (
    DS,
    XADES,
    SigningCredentials,
    SigningCredentialsError,
    load_pkcs12,
    sign_factura,
    verification_error,
    verify_factura,
)
from billing.adapters.sri_schema import validate_factura
from billing.domain.factura_xml import to_xml
from services.billing.tests.pki import CA_USAGE, certificate, key_usage, new_key
from services.billing.tests.unit.test_factura_xml import SCENARIOS, VERSIONS, single_plan

XMLSEC1 = shutil.which("xmlsec1")
ECUADOR = timezone(timedelta(hours=-5))
SIGNING_TIME = datetime.now(ECUADOR).replace(microsecond=0)


@dataclass(frozen=True)
class Pki:
    directory: Path
    ca_pem: Path
    p12: bytes
    password: bytes
    credentials: SigningCredentials
    ca_key: rsa.RSAPrivateKey
    ca_cert: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "EC"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Prueba Firma S.A."),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _leaf(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    *,
    digital_signature: bool = True,
    non_repudiation: bool = True,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = new_key()
    usage = key_usage(digital_signature=digital_signature, non_repudiation=non_repudiation)
    cert = certificate(_name("FACTURADOR DE PRUEBA"), ca_cert.subject, key, ca_key, usage=usage)
    return key, cert


def _p12(
    key: rsa.RSAPrivateKey, cert: x509.Certificate, ca: x509.Certificate | None, password: bytes
) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"firma", key, cert, [ca] if ca else None, serialization.BestAvailableEncryption(password)
    )


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca_key = new_key()
    ca_name = _name("CA DE PRUEBA")
    ca_cert = certificate(ca_name, ca_name, ca_key, ca_key, usage=CA_USAGE, ca=True, days=3650)
    ca_pem = directory / "ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key, cert = _leaf(ca_key, ca_cert)
    password = secrets.token_urlsafe(16).encode()
    p12 = _p12(key, cert, ca_cert, password)
    (directory / "firma.p12").write_bytes(p12)
    return Pki(directory, ca_pem, p12, password, load_pkcs12(p12, password), ca_key, ca_cert)


def xsd_errors(signed: bytes) -> list[str]:
    """XSD errors other than the ds:Signature child itself.

    SRI's published factura XSDs end the sequence with ``<xsd:element ref="ds:Signature"/>``, but
    the copies in ``schemas/`` (SRI's files, docs/sri-files.sha256) import xmldsig unreferenced,
    so they reject any signed factura. Until those copies are fixed, tolerate only that error.
    """
    return [e for e in validate_factura(signed) if "'ds:Signature'" not in e]


def _sign(pki: Pki, version: str = "2.1.0", **kwargs: str) -> bytes:
    return sign_factura(
        to_xml(single_plan(), version), pki.credentials, signing_time=SIGNING_TIME, **kwargs
    )


def xmlsec1_command(ca_pem: Path, signed_file: Path) -> list[str]:
    """Debian's xmlsec1 verifying a signed factura against ``ca_pem`` (an independent verifier)."""
    assert XMLSEC1 is not None
    return [
        XMLSEC1,
        "--verify",
        "--enabled-key-data",
        "x509",
        "--id-attr:id",
        "factura",
        "--id-attr:Id",
        f"{XADES}:SignedProperties",
        "--id-attr:Id",
        f"{DS}:KeyInfo",
        "--trusted-pem",
        str(ca_pem),
        str(signed_file),
    ]


def xmlsec1_verify(pki: Pki, signed: bytes) -> subprocess.CompletedProcess[str]:
    if XMLSEC1 is None:
        pytest.skip("xmlsec1 is not installed (deploy/local/stack.sh installs Debian's xmlsec1)")
    path = pki.directory / f"signed-{secrets.token_hex(4)}.xml"
    path.write_bytes(signed)
    return subprocess.run(
        xmlsec1_command(pki.ca_pem, path),
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


# ---------------------------------------------------------------------------- credentials


def test_load_pkcs12_picks_the_signing_certificate(pki: Pki) -> None:
    creds = pki.credentials
    assert creds.certificate.subject == _name("FACTURADOR DE PRUEBA")
    assert creds.chain == (pki.ca_cert,)
    assert creds.not_valid_after > datetime.now(UTC) + timedelta(days=300)


def test_load_pkcs12_wrong_password(pki: Pki) -> None:
    with pytest.raises(SigningCredentialsError, match="wrong password"):
        load_pkcs12(pki.p12, b"not-the-password")


def test_load_pkcs12_refuses_cert_without_digital_signature(pki: Pki) -> None:
    key, cert = _leaf(pki.ca_key, pki.ca_cert, digital_signature=False)
    p12 = _p12(key, cert, pki.ca_cert, b"clave")
    with pytest.raises(SigningCredentialsError, match="digitalSignature"):
        load_pkcs12(p12, b"clave")


def test_refuses_signing_time_outside_validity(pki: Pki) -> None:
    with pytest.raises(ValueError, match="not valid at"):
        sign_factura(
            to_xml(single_plan()),
            pki.credentials,
            signing_time=pki.credentials.not_valid_after + timedelta(days=1),
        )


def test_refuses_naive_signing_time_and_double_signing(pki: Pki) -> None:
    with pytest.raises(ValueError, match="timezone"):
        sign_factura(to_xml(single_plan()), pki.credentials, signing_time=datetime(2026, 11, 30))
    with pytest.raises(ValueError, match="already signed"):
        sign_factura(_sign(pki), pki.credentials, signing_time=SIGNING_TIME)


# ---------------------------------------------------------------------------- structure


def test_structure(pki: Pki) -> None:
    signed = _sign(pki)
    assert signed.startswith(b'<?xml version="1.0" encoding="UTF-8"?><factura ')
    root = etree.fromstring(signed)
    sig = root[-1]
    assert sig.tag == f"{{{DS}}}Signature"
    refs = sig.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    assert len(refs) == 3
    props = sig.find(f".//{{{XADES}}}SignedProperties")
    key_info = sig.find(f"{{{DS}}}KeyInfo")
    assert props is not None and key_info is not None
    assert refs[0].get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    assert refs[0].get("URI") == f"#{props.get('Id')}"
    assert refs[1].get("URI") == f"#{key_info.get('Id')}"
    assert refs[2].get("URI") == "#comprobante"
    transforms = refs[2].findall(f"{{{DS}}}Transforms/{{{DS}}}Transform")
    assert [t.get("Algorithm") for t in transforms] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    ]
    assert key_info.find(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate") is not None
    assert key_info.find(f"{{{DS}}}KeyValue/{{{DS}}}RSAKeyValue/{{{DS}}}Modulus") is not None
    data_format = props.find(f".//{{{XADES}}}DataObjectFormat")
    assert data_format is not None
    assert data_format.get("ObjectReference") == f"#{refs[2].get('Id')}"
    assert data_format.findtext(f"{{{XADES}}}MimeType") == "text/xml"
    assert props.findtext(f".//{{{XADES}}}SigningTime") == SIGNING_TIME.isoformat()
    assert props.find(f".//{{{XADES}}}CertDigest") is not None
    assert props.find(f".//{{{XADES}}}IssuerSerial") is not None


# ---------------------------------------------------------------------------- verification


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_signed_is_valid_and_verifies(pki: Pki, scenario: str, version: str) -> None:
    xml = to_xml(SCENARIOS[scenario](), version)
    signed = sign_factura(xml, pki.credentials, signing_time=SIGNING_TIME)
    assert xsd_errors(signed) == []
    assert verification_error(signed) is None
    assert verify_factura(signed)
    result = xmlsec1_verify(pki, signed)
    assert result.returncode == 0, result.stderr


def test_signature_is_rsa_sha1_with_sha1_digests(pki: Pki) -> None:
    """The technical sheet requires RSA-SHA1 (docs/sri.md §9): no other algorithm is written."""
    sig = etree.fromstring(_sign(pki))[-1]
    [method] = sig.findall(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    assert method.get("Algorithm") == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    digests = {m.get("Algorithm") for m in sig.iter(f"{{{DS}}}DigestMethod")}
    assert digests == {"http://www.w3.org/2000/09/xmldsig#sha1"}
    assert len(list(sig.iter(f"{{{DS}}}DigestMethod"))) == 4  # 3 References + CertDigest


def test_verifier_refuses_rsa_sha256(pki: Pki) -> None:
    """A SignatureMethod other than RSA-SHA1, even validly signed, is refused like SRI would."""
    root = etree.fromstring(_sign(pki))
    signed_info = root[-1].find(f"{{{DS}}}SignedInfo")
    assert signed_info is not None
    method = signed_info.find(f"{{{DS}}}SignatureMethod")
    assert method is not None
    method.set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    value = root[-1].find(f"{{{DS}}}SignatureValue")
    assert value is not None
    value.text = base64.b64encode(
        pki.credentials.private_key.sign(
            etree.tostring(signed_info, method="c14n"), padding.PKCS1v15(), hashes.SHA256()
        )
    ).decode()
    resigned = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    assert verification_error(resigned) == (
        "unsupported signature method 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'"
    )
    assert xmlsec1_verify(pki, resigned).returncode == 0  # a valid signature, just not SRI's


def _flip(signed: bytes, marker: bytes, offset: int = 0) -> bytes:
    """Change one byte: the first at ``offset`` after the first occurrence of ``marker``."""
    at = signed.index(marker) + len(marker) + offset
    old = signed[at : at + 1]
    new = (b"7" if old != b"7" else b"8") if old.isdigit() else (b"X" if old != b"X" else b"Y")
    tampered = signed[:at] + new + signed[at + 1 :]
    assert len(tampered) == len(signed) and tampered != signed
    return tampered


@pytest.mark.parametrize(
    ("marker", "offset"),
    [
        (b"<importeTotal>", 0),  # a digit of the total
        (b"<importeTotal>", 3),  # the other side of the decimal point
        (b"<razonSocial>", 2),  # a letter of the issuer's name
        (b"<claveAcceso>", 10),  # the access key
        (b'nombre="', 0),  # an attribute value
        (b'comprobante" version="', 2),  # an attribute of factura itself
        (b"SigningTime>", 3),  # the xades signed properties
        (b"<ds:X509SerialNumber>", 1),
        (b"<ds:Modulus>", 5),  # the KeyInfo
    ],
)
def test_any_flipped_byte_is_rejected(pki: Pki, marker: bytes, offset: int) -> None:
    signed = _sign(pki)
    assert verify_factura(signed)
    tampered = _flip(signed, marker, offset)
    assert not verify_factura(tampered)
    result = xmlsec1_verify(pki, tampered)
    assert result.returncode != 0, result.stderr


def test_untrusted_ca_is_rejected_by_xmlsec1(pki: Pki, tmp_path: Path) -> None:
    other_key = new_key()
    other = certificate(_name("OTRA CA"), _name("OTRA CA"), other_key, other_key, ca=True, days=30)
    untrusted = Pki(
        tmp_path,
        tmp_path / "other.pem",
        pki.p12,
        pki.password,
        pki.credentials,
        other_key,
        other,
    )
    untrusted.ca_pem.write_bytes(other.public_bytes(serialization.Encoding.PEM))
    assert xmlsec1_verify(untrusted, _sign(pki)).returncode != 0


def test_signature_not_last_child_is_rejected(pki: Pki) -> None:
    root = etree.fromstring(_sign(pki))
    etree.SubElement(root, "infoAdicional")
    assert not verify_factura(etree.tostring(root))


def test_reindenting_after_signing_breaks_it(pki: Pki) -> None:
    root = etree.fromstring(_sign(pki))
    etree.indent(root)
    reindented = etree.tostring(root)
    assert not verify_factura(reindented)
    assert xmlsec1_verify(pki, reindented).returncode != 0


def test_verification_error_says_why(pki: Pki) -> None:
    tampered = _flip(_sign(pki), b"<importeTotal>")
    assert verification_error(tampered) == "digest mismatch for #comprobante"
    assert verification_error(b"<factura") is not None
    assert verification_error(to_xml(single_plan())) is not None  # unsigned
