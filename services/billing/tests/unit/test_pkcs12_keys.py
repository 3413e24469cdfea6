"""A ``.p12`` holding several keys: the one whose certificate may sign is picked (docs/sri.md §4).

cryptography cannot write such a PFX, so the tests build one: the SafeContents of one-key PFXes
put together under a new MAC (RFC 7292). Nothing is committed; keys are generated per session.
"""

import hashlib
import hmac
import secrets

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from billing.adapters.signing import (
    SigningCredentialsError,
    der,
    load_pkcs12,
    sign_factura,
    verify_factura,
)
from billing.domain.factura_xml import to_xml
from services.billing.tests.unit.test_factura_xml import single_plan
from services.billing.tests.unit.test_signing import SIGNING_TIME, Pki, _leaf, _p12, pki

__all__ = ["pki"]  # the session's test CA, a fixture


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _pkcs12_kdf(password: bytes, salt: bytes, iterations: int) -> bytes:
    """RFC 7292 appendix B with SHA-256, ID 3 (the MAC key); ``password`` as BMPString + NUL."""
    u, v = 32, 64

    def fill(data: bytes) -> bytes:
        return (data * (v * -(-len(data) // v) // len(data) + 1))[: v * -(-len(data) // v)]

    d, i = bytes([3]) * v, bytearray(fill(salt) + fill(password))
    a = d + bytes(i)
    for _ in range(iterations):
        a = hashlib.sha256(a).digest()
    assert len(a) == u  # one round is enough for a 32-byte key
    return a


def _p12_of_several(pairs: list[tuple[rsa.RSAPrivateKey, x509.Certificate]], pw: bytes) -> bytes:
    """One PFX holding several keys: the SafeContents of one-key PFXes, with a new MAC."""
    safes: list[bytes] = []
    for key, cert in pairs:
        single = _p12(key, cert, None, pw)
        _, auth_safe, _ = der.children(single, der.SEQUENCE)
        _, auth_content = der.children(auth_safe, der.SEQUENCE)
        authenticated = der.content(der.content(auth_content, der.EXPLICIT_0), der.OCTET_STRING)
        safes.extend(der.children(authenticated, der.SEQUENCE))
    authenticated = _der(der.SEQUENCE, b"".join(safes))
    salt, iterations = secrets.token_bytes(16), 2048
    mac_key = _pkcs12_kdf(pw.decode().encode("utf-16-be") + b"\0\0", salt, iterations)
    mac = hmac.new(mac_key, authenticated, hashlib.sha256).digest()
    sha256 = bytes.fromhex("0609608648016503040201") + b"\x05\x00"
    data_oid = bytes.fromhex("06092a864886f70d010701")
    mac_data = _der(
        der.SEQUENCE,
        _der(der.SEQUENCE, _der(der.SEQUENCE, sha256) + _der(der.OCTET_STRING, mac))
        + _der(der.OCTET_STRING, salt)
        + _der(0x02, iterations.to_bytes(2, "big")),
    )
    content_info = _der(
        der.SEQUENCE,
        data_oid + _der(der.EXPLICIT_0, _der(der.OCTET_STRING, authenticated)),
    )
    return _der(der.SEQUENCE, b"\x02\x01\x03" + content_info + mac_data)


def test_load_pkcs12_picks_the_signing_key_among_several(pki: Pki) -> None:
    """An encryption-only key first (the one OpenSSL alone would give), the signing key second."""
    encryption = _leaf(pki.ca_key, pki.ca_cert, digital_signature=False)
    signing = _leaf(pki.ca_key, pki.ca_cert)
    p12 = _p12_of_several([encryption, signing], b"clave")
    first_key, _, _ = pkcs12.load_key_and_certificates(p12, b"clave")
    assert isinstance(first_key, rsa.RSAPrivateKey)
    assert first_key.private_numbers() == encryption[0].private_numbers()
    creds = load_pkcs12(p12, b"clave")
    assert creds.private_key.private_numbers() == signing[0].private_numbers()
    assert creds.certificate == signing[1]
    assert creds.chain == (encryption[1],)
    assert verify_factura(sign_factura(to_xml(single_plan()), creds, signing_time=SIGNING_TIME))
    with pytest.raises(SigningCredentialsError, match="wrong password"):
        load_pkcs12(p12, b"otra")


def test_load_pkcs12_prefers_non_repudiation_and_never_a_ca(pki: Pki) -> None:
    plain = _leaf(pki.ca_key, pki.ca_cert, non_repudiation=False)
    qualified = _leaf(pki.ca_key, pki.ca_cert)
    ca = (pki.ca_key, pki.ca_cert)  # a CA's own key and certificate: never the signing one
    for order in ([plain, qualified, ca], [ca, qualified, plain]):
        creds = load_pkcs12(_p12_of_several(order, b"clave"), b"clave")
        assert creds.certificate == qualified[1]
    creds = load_pkcs12(_p12_of_several([ca, plain], b"clave"), b"clave")
    assert creds.certificate == plain[1]
