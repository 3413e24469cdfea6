"""The issuer name in Java's RFC 2253 form, against strings Java 17 printed for these names (the
integration test ``test_issuer_name_java`` runs Java itself)."""

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier

from billing.adapters.signing.rfc2253 import java_rfc2253

A = x509.NameAttribute

JAVA_PRINTED = [
    (
        x509.Name(
            [
                A(NameOID.COUNTRY_NAME, "EC"),
                A(ObjectIdentifier("2.5.4.97"), "VATEC-1792261848001"),
                A(NameOID.ORGANIZATION_NAME, 'Entidad, "Cert" + Ñandú'),
                A(NameOID.ORGANIZATIONAL_UNIT_NAME, "#Uno=dos; <x> \\ fin "),
                A(NameOID.COMMON_NAME, " AUTORIDAD DE CERTIFICACIÓN SUBCA-2 añ@_*&!"),
                A(NameOID.EMAIL_ADDRESS, "info@ca.ec"),
                A(NameOID.SERIAL_NUMBER, "0999"),
                A(NameOID.LOCALITY_NAME, "QUITO"),
                A(NameOID.STATE_OR_PROVINCE_NAME, "PICHINCHA"),
            ]
        ),
        "ST=PICHINCHA,L=QUITO,2.5.4.5=#130430393939,"
        "1.2.840.113549.1.9.1=#160a696e666f4063612e6563,"
        "CN=\\ AUTORIDAD DE CERTIFICACIÓN SUBCA-2 añ@_*&!,"
        "OU=\\#Uno\\=dos\\; \\<x\\> \\\\ fin\\ ,"
        'O=Entidad\\, \\"Cert\\" \\+ Ñandú,'
        "2.5.4.97=#0c1356415445432d31373932323631383438303031,C=EC",
    ),
    (
        x509.Name(
            [
                x509.RelativeDistinguishedName(
                    [
                        A(NameOID.COMMON_NAME, "b"),
                        A(NameOID.ORGANIZATION_NAME, "a"),
                        A(NameOID.EMAIL_ADDRESS, "z@x"),
                    ]
                ),
                x509.RelativeDistinguishedName(
                    [A(NameOID.DOMAIN_COMPONENT, "ec"), A(NameOID.USER_ID, "u1")]
                ),
            ]
        ),
        "UID=u1+DC=ec,CN=b+O=a+1.2.840.113549.1.9.1=#16037a4078",
    ),
]


@pytest.mark.parametrize(("name", "java"), JAVA_PRINTED)
def test_name_as_java_prints_it(name: x509.Name, java: str) -> None:
    assert java_rfc2253(name.public_bytes()) == java


def test_plain_names_equal_rfc4514() -> None:
    name = x509.Name([A(NameOID.COUNTRY_NAME, "EC"), A(NameOID.COMMON_NAME, "CA DE PRUEBA")])
    assert java_rfc2253(name.public_bytes()) == name.rfc4514_string() == "CN=CA DE PRUEBA,C=EC"


def test_malformed_der_is_refused() -> None:
    with pytest.raises(ValueError, match="DER"):
        java_rfc2253(b"\x30\x05\x31")
