"""Signing a comprobante: a XAdES-BES enveloped ``ds:Signature`` appended to its root.

Signing is done in-tree: the whole Signature is built inside the document with empty digests, then
each referenced element is canonicalised *in place* (inclusive C14N of a subtree carries the
namespace declarations in scope there, so this is exactly what a verifier computes), then
SignedInfo is canonicalised and signed (RSA PKCS#1 v1.5). The result is serialised once; callers
must never re-indent or re-serialise it (SRI error 39 FIRMA INVALIDA).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from billing.adapters.signing.credentials import SigningCredentials
from billing.adapters.signing.rfc2253 import java_issuer_name
from billing.adapters.signing.xmldsig import (
    C14N,
    COMPROBANTE_ID,
    DIGESTS,
    DS,
    ENVELOPED,
    SIGNATURES,
    SIGNED_PROPERTIES_TYPE,
    XADES,
    b64,
    c14n,
    comprobante_digest,
    int_b64,
    parse,
)
from billing.adapters.signing.xmldsig import digest as _digest
from billing.domain.factura_xml import XML_DECLARATION

Factory = Callable[[], hashes.HashAlgorithm]


@dataclass(frozen=True)
class _Ids:
    """The Id of every element the signature references or names."""

    signature: str
    signed_info: str
    signed_properties: str
    signed_properties_ref: str
    key_info: str
    comprobante_ref: str
    signature_value: str
    object: str

    @classmethod
    def new(cls) -> "_Ids":
        base = f"Signature-{uuid.uuid4()}"
        return cls(
            signature=base,
            signed_info=f"{base}-SignedInfo",
            signed_properties=f"{base}-SignedProperties",
            signed_properties_ref=f"{base}-SignedPropertiesRef",
            key_info=f"{base}-KeyInfo",
            comprobante_ref=f"{base}-ComprobanteRef",
            signature_value=f"{base}-SignatureValue",
            object=f"{base}-Object",
        )


def _ds(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{DS}}}{name}", attrs)
    child.text = text
    return child


def _xades(
    parent: etree._Element, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    child = etree.SubElement(parent, f"{{{XADES}}}{name}", attrs)
    child.text = text
    return child


def sign_factura(
    xml: bytes,
    credentials: SigningCredentials,
    *,
    signing_time: datetime,
) -> bytes:
    """``xml`` with a XAdES-BES enveloped ``ds:Signature`` appended to ``<factura>``.

    RSA-SHA1 with SHA-1 digests, the only algorithms SRI's technical sheet allows.
    """
    _check_arguments(credentials, signing_time)
    root = parse(xml)
    if root.get("id") != COMPROBANTE_ID:
        raise ValueError(f'the root element must have id="{COMPROBANTE_ID}"')
    if root.find(f".//{{{DS}}}Signature") is not None:
        raise ValueError("the document is already signed")

    digest_uri, digest_factory = DIGESTS["sha1"]
    signature_uri, signature_factory = SIGNATURES["rsa-sha1"]
    cert = credentials.certificate
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    ids = _Ids.new()

    # Computed before the Signature exists: the enveloped transform removes it anyway.
    document_digest = comprobante_digest(root, digest_factory)
    sig = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS}, Id=ids.signature)
    signed_info = _ds(sig, "SignedInfo", Id=ids.signed_info)
    _ds(signed_info, "CanonicalizationMethod", Algorithm=C14N)
    _ds(signed_info, "SignatureMethod", Algorithm=signature_uri)
    properties_value, key_info_value = _references(signed_info, ids, digest_uri, document_digest)
    signature_value = _ds(sig, "SignatureValue", "", Id=ids.signature_value)
    key_info = _key_info(sig, ids, cert_der, credentials)
    signed_properties = _signed_properties(
        sig, ids, signing_time, cert, cert_der, digest_uri, digest_factory
    )

    # Digests of the in-document elements, then SignedInfo, then the signature value.
    properties_value.text = b64(_digest(c14n(signed_properties), digest_factory))
    key_info_value.text = b64(_digest(c14n(key_info), digest_factory))
    signature_value.text = b64(
        credentials.private_key.sign(c14n(signed_info), padding.PKCS1v15(), signature_factory())
    )
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return XML_DECLARATION + body


def _check_arguments(credentials: SigningCredentials, signing_time: datetime) -> None:
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    if not credentials.not_valid_before <= signing_time <= credentials.not_valid_after:
        raise ValueError(
            f"the certificate is not valid at {signing_time.isoformat()} "
            f"(valid {credentials.not_valid_before:%Y-%m-%d} to "
            f"{credentials.not_valid_after:%Y-%m-%d})"
        )


def _references(
    signed_info: etree._Element, ids: _Ids, digest_uri: str, document_digest: bytes
) -> tuple[etree._Element, etree._Element]:
    """The three References; the DigestValues of SignedProperties and KeyInfo, filled last."""

    def reference(uri: str, **attrs: str) -> etree._Element:
        ref = _ds(signed_info, "Reference", **attrs, URI=uri)
        if uri == f"#{COMPROBANTE_ID}":
            _ds(_ds(ref, "Transforms"), "Transform", Algorithm=ENVELOPED)
        _ds(ref, "DigestMethod", Algorithm=digest_uri)
        return _ds(ref, "DigestValue", "")

    properties_value = reference(
        f"#{ids.signed_properties}", Id=ids.signed_properties_ref, Type=SIGNED_PROPERTIES_TYPE
    )
    key_info_value = reference(f"#{ids.key_info}")
    comprobante_value = reference(f"#{COMPROBANTE_ID}", Id=ids.comprobante_ref)
    comprobante_value.text = b64(document_digest)
    return properties_value, key_info_value


def _key_info(
    sig: etree._Element, ids: _Ids, cert_der: bytes, credentials: SigningCredentials
) -> etree._Element:
    numbers = credentials.private_key.public_key().public_numbers()
    key_info = _ds(sig, "KeyInfo", Id=ids.key_info)
    _ds(_ds(key_info, "X509Data"), "X509Certificate", b64(cert_der))
    rsa_value = _ds(_ds(key_info, "KeyValue"), "RSAKeyValue")
    _ds(rsa_value, "Modulus", int_b64(numbers.n))
    _ds(rsa_value, "Exponent", int_b64(numbers.e))
    return key_info


def _signed_properties(
    sig: etree._Element,
    ids: _Ids,
    signing_time: datetime,
    cert: x509.Certificate,
    cert_der: bytes,
    digest_uri: str,
    digest_factory: Factory,
) -> etree._Element:
    """The xades QualifyingProperties in ds:Object: signing time, certificate, data format."""
    obj = _ds(sig, "Object", Id=ids.object)
    qualifying = etree.SubElement(
        obj,
        f"{{{XADES}}}QualifyingProperties",
        {"Target": f"#{ids.signature}"},
        nsmap={"xades": XADES},
    )
    signed_properties = _xades(qualifying, "SignedProperties", Id=ids.signed_properties)
    signature_properties = _xades(signed_properties, "SignedSignatureProperties")
    _xades(signature_properties, "SigningTime", signing_time.isoformat(timespec="seconds"))
    cert_ref = _xades(_xades(signature_properties, "SigningCertificate"), "Cert")
    cert_digest = _xades(cert_ref, "CertDigest")
    _ds(cert_digest, "DigestMethod", Algorithm=digest_uri)
    _ds(cert_digest, "DigestValue", b64(_digest(cert_der, digest_factory)))
    issuer_serial = _xades(cert_ref, "IssuerSerial")
    # SRI's Java verifier compares this with X500Principal.getName(): not RFC 4514 (rfc2253.py).
    _ds(issuer_serial, "X509IssuerName", java_issuer_name(cert))
    _ds(issuer_serial, "X509SerialNumber", str(cert.serial_number))
    data_format = _xades(
        _xades(signed_properties, "SignedDataObjectProperties"),
        "DataObjectFormat",
        ObjectReference=f"#{ids.comprobante_ref}",
    )
    _xades(data_format, "Description", "contenido comprobante")
    _xades(data_format, "MimeType", "text/xml")
    return signed_properties
