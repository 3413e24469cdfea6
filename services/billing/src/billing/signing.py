"""XAdES-BES enveloped signature of SRI comprobantes (REFERENCE §4); not domain: it uses keys.

The structure is what SRI-accepted implementations produce: ``ds:Signature`` as the last child of
``<factura>``, inclusive C14N 1.0, and three References in SignedInfo — the xades SignedProperties,
the KeyInfo and ``#comprobante`` (enveloped-signature transform).

Signing is done in-tree: the whole Signature is built inside the document with empty digests, then
each referenced element is canonicalised *in place* (inclusive C14N of a subtree carries the
namespace declarations in scope there, so this is exactly what a verifier computes), then
SignedInfo is canonicalised and signed (RSA PKCS#1 v1.5). The result is serialised once; callers
must never re-indent or re-serialise it (SRI error 39 FIRMA INVALIDA).
"""

import base64
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree

from billing.domain.factura_xml import XML_DECLARATION

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
COMPROBANTE_ID = "comprobante"

DIGESTS: dict[str, tuple[str, Callable[[], hashes.HashAlgorithm]]] = {
    "sha1": ("http://www.w3.org/2000/09/xmldsig#sha1", hashes.SHA1),
    "sha256": ("http://www.w3.org/2001/04/xmlenc#sha256", hashes.SHA256),
}
SIGNATURES: dict[str, tuple[str, Callable[[], hashes.HashAlgorithm]]] = {
    "rsa-sha1": ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", hashes.SHA1),
    "rsa-sha256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", hashes.SHA256),
}
_DIGEST_BY_URI = {uri: factory for uri, factory in DIGESTS.values()}
_SIGNATURE_BY_URI = {uri: factory for uri, factory in SIGNATURES.values()}


class SigningCredentialsError(ValueError):
    """The PKCS#12 cannot be used to sign comprobantes (bad password, no usable cert/key)."""


class SignatureError(ValueError):
    """Why a signed comprobante does not verify (``verify_factura`` turns it into False)."""


@dataclass(frozen=True)
class SigningCredentials:
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def not_valid_after(self) -> datetime:
        """UTC expiry of the signing certificate (warn before it: SRI refuses expired ones)."""
        return self.certificate.not_valid_after_utc

    @property
    def not_valid_before(self) -> datetime:
        return self.certificate.not_valid_before_utc


def _has_digital_signature(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return usage.digital_signature


def _same_key(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bool:
    public = cert.public_key()
    return (
        isinstance(public, rsa.RSAPublicKey)
        and public.public_numbers() == key.public_key().public_numbers()
    )


def load_pkcs12(data: bytes, password: bytes) -> SigningCredentials:
    """The RSA key and its certificate with KeyUsage digitalSignature from a ``.p12``."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise SigningCredentialsError(
            f"cannot open the PKCS#12: wrong password or corrupt file ({exc})"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningCredentialsError("the PKCS#12 has no RSA private key")
    certs = ([cert] if cert is not None else []) + list(extra)
    for candidate in certs:
        if _same_key(candidate, key) and _has_digital_signature(candidate):
            chain = tuple(c for c in certs if c is not candidate)
            return SigningCredentials(key, candidate, chain)
    raise SigningCredentialsError(
        "the PKCS#12 has no certificate for its private key with KeyUsage digitalSignature"
    )


def _c14n(element: etree._Element) -> bytes:
    """Inclusive C14N 1.0 without comments of ``element`` in its document context."""
    data: bytes = etree.tostring(element, method="c14n", exclusive=False, with_comments=False)
    return data


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _int_b64(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _digest(data: bytes, factory: Callable[[], hashes.HashAlgorithm]) -> bytes:
    h = hashes.Hash(factory())
    h.update(data)
    return h.finalize()


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


def _comprobante_digest(root: etree._Element, factory: Callable[[], hashes.HashAlgorithm]) -> bytes:
    """Digest of ``#comprobante`` after the enveloped-signature transform."""
    copy = etree.fromstring(etree.tostring(root))
    for signature in copy.findall(f"{{{DS}}}Signature"):
        _remove_keeping_tail(signature)
    return _digest(_c14n(copy), factory)


def _remove_keeping_tail(element: etree._Element) -> None:
    """Remove a node but not the text after it (lxml's ``remove`` drops the tail too)."""
    parent = element.getparent()
    assert parent is not None
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )
    return etree.fromstring(xml, parser)


def sign_factura(
    xml: bytes,
    credentials: SigningCredentials,
    *,
    signing_time: datetime,
    digest: str = "sha1",
    signature: str = "rsa-sha1",
) -> bytes:
    """``xml`` with a XAdES-BES enveloped ``ds:Signature`` appended to ``<factura>``."""
    if digest not in DIGESTS:
        raise ValueError(f"digest must be one of {sorted(DIGESTS)}, got {digest!r}")
    if signature not in SIGNATURES:
        raise ValueError(f"signature must be one of {sorted(SIGNATURES)}, got {signature!r}")
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    if not credentials.not_valid_before <= signing_time <= credentials.not_valid_after:
        raise ValueError(
            f"the certificate is not valid at {signing_time.isoformat()} "
            f"(valid {credentials.not_valid_before:%Y-%m-%d} to "
            f"{credentials.not_valid_after:%Y-%m-%d})"
        )
    root = _parse(xml)
    if root.get("id") != COMPROBANTE_ID:
        raise ValueError(f'the root element must have id="{COMPROBANTE_ID}"')
    if root.find(f".//{{{DS}}}Signature") is not None:
        raise ValueError("the document is already signed")

    digest_uri, digest_factory = DIGESTS[digest]
    signature_uri, signature_factory = SIGNATURES[signature]
    cert = credentials.certificate
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    numbers = credentials.private_key.public_key().public_numbers()

    # Computed before the Signature exists: the enveloped transform removes it anyway.
    comprobante_digest = _comprobante_digest(root, digest_factory)

    base = f"Signature-{uuid.uuid4()}"
    ids = {
        "signature": base,
        "signed_info": f"{base}-SignedInfo",
        "signed_properties": f"{base}-SignedProperties",
        "signed_properties_ref": f"{base}-SignedPropertiesRef",
        "key_info": f"{base}-KeyInfo",
        "comprobante_ref": f"{base}-ComprobanteRef",
        "signature_value": f"{base}-SignatureValue",
        "object": f"{base}-Object",
    }

    sig = etree.SubElement(root, f"{{{DS}}}Signature", nsmap={"ds": DS}, Id=ids["signature"])
    signed_info = _ds(sig, "SignedInfo", Id=ids["signed_info"])
    _ds(signed_info, "CanonicalizationMethod", Algorithm=C14N)
    _ds(signed_info, "SignatureMethod", Algorithm=signature_uri)

    def reference(uri: str, **attrs: str) -> etree._Element:
        ref = _ds(signed_info, "Reference", **attrs, URI=uri)
        if uri == f"#{COMPROBANTE_ID}":
            _ds(_ds(ref, "Transforms"), "Transform", Algorithm=ENVELOPED)
        _ds(ref, "DigestMethod", Algorithm=digest_uri)
        return _ds(ref, "DigestValue", "")

    properties_value = reference(
        f"#{ids['signed_properties']}",
        Id=ids["signed_properties_ref"],
        Type=SIGNED_PROPERTIES_TYPE,
    )
    key_info_value = reference(f"#{ids['key_info']}")
    comprobante_value = reference(f"#{COMPROBANTE_ID}", Id=ids["comprobante_ref"])
    comprobante_value.text = _b64(comprobante_digest)

    signature_value = _ds(sig, "SignatureValue", "", Id=ids["signature_value"])

    key_info = _ds(sig, "KeyInfo", Id=ids["key_info"])
    _ds(_ds(key_info, "X509Data"), "X509Certificate", _b64(cert_der))
    rsa_value = _ds(_ds(key_info, "KeyValue"), "RSAKeyValue")
    _ds(rsa_value, "Modulus", _int_b64(numbers.n))
    _ds(rsa_value, "Exponent", _int_b64(numbers.e))

    obj = _ds(sig, "Object", Id=ids["object"])
    qualifying = etree.SubElement(
        obj,
        f"{{{XADES}}}QualifyingProperties",
        {"Target": f"#{ids['signature']}"},
        nsmap={"xades": XADES},
    )
    signed_properties = _xades(qualifying, "SignedProperties", Id=ids["signed_properties"])
    signature_properties = _xades(signed_properties, "SignedSignatureProperties")
    _xades(signature_properties, "SigningTime", signing_time.isoformat(timespec="seconds"))
    cert_ref = _xades(_xades(signature_properties, "SigningCertificate"), "Cert")
    cert_digest = _xades(cert_ref, "CertDigest")
    _ds(cert_digest, "DigestMethod", Algorithm=digest_uri)
    _ds(cert_digest, "DigestValue", _b64(_digest(cert_der, digest_factory)))
    issuer_serial = _xades(cert_ref, "IssuerSerial")
    _ds(issuer_serial, "X509IssuerName", cert.issuer.rfc4514_string())
    _ds(issuer_serial, "X509SerialNumber", str(cert.serial_number))
    data_format = _xades(
        _xades(signed_properties, "SignedDataObjectProperties"),
        "DataObjectFormat",
        ObjectReference=f"#{ids['comprobante_ref']}",
    )
    _xades(data_format, "Description", "contenido comprobante")
    _xades(data_format, "MimeType", "text/xml")

    # Digests of the in-document elements, then SignedInfo, then the signature value.
    properties_value.text = _b64(_digest(_c14n(signed_properties), digest_factory))
    key_info_value.text = _b64(_digest(_c14n(key_info), digest_factory))
    signature_value.text = _b64(
        credentials.private_key.sign(_c14n(signed_info), padding.PKCS1v15(), signature_factory())
    )
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return XML_DECLARATION + body


# ---------------------------------------------------------------------------- verification


def _by_id(root: etree._Element, ident: str) -> etree._Element:
    found = [el for el in root.iter() if ident in (el.get("Id"), el.get("id"))]
    if len(found) != 1:
        raise SignatureError(f"#{ident} must identify exactly one element, found {len(found)}")
    return found[0]


def _text(element: etree._Element | None, what: str) -> str:
    if element is None or element.text is None:
        raise SignatureError(f"missing {what}")
    text: str = element.text
    return text


def _algorithm(element: etree._Element | None, what: str) -> str:
    if element is None:
        raise SignatureError(f"missing {what}")
    algorithm: str = element.get("Algorithm", "")
    return algorithm


def _check(signed: bytes) -> None:
    root = _parse(signed)
    if root.get("id") != COMPROBANTE_ID:
        raise SignatureError(f'root element must have id="{COMPROBANTE_ID}"')
    signatures = root.findall(f".//{{{DS}}}Signature")
    if len(signatures) != 1 or root[-1] is not signatures[0]:
        raise SignatureError("exactly one ds:Signature, the last child of the root, expected")
    sig = signatures[0]
    signed_info = sig.find(f"{{{DS}}}SignedInfo")
    if signed_info is None:
        raise SignatureError("missing SignedInfo")
    c14n = _algorithm(signed_info.find(f"{{{DS}}}CanonicalizationMethod"), "c14n method")
    if c14n != C14N:
        raise SignatureError(f"unsupported canonicalization {c14n!r}")
    method = _algorithm(signed_info.find(f"{{{DS}}}SignatureMethod"), "signature method")
    if method not in _SIGNATURE_BY_URI:
        raise SignatureError(f"unsupported signature method {method!r}")

    key_info = sig.find(f"{{{DS}}}KeyInfo")
    if key_info is None:
        raise SignatureError("missing KeyInfo")
    certificate = key_info.find(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    der = base64.b64decode(_text(certificate, "KeyInfo/X509Data/X509Certificate"))
    cert = x509.load_der_x509_certificate(der)
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise SignatureError("the certificate key is not RSA")

    referenced: dict[str, etree._Element] = {}
    for ref in signed_info.findall(f"{{{DS}}}Reference"):
        uri = ref.get("URI", "")
        if not uri.startswith("#"):
            raise SignatureError(f"unsupported reference URI {uri!r}")
        target = _by_id(root, uri[1:])
        transforms = [
            _algorithm(t, "transform") for t in ref.findall(f"{{{DS}}}Transforms/{{{DS}}}Transform")
        ]
        digest_method = _algorithm(ref.find(f"{{{DS}}}DigestMethod"), "digest method")
        factory = _DIGEST_BY_URI.get(digest_method)
        if factory is None:
            raise SignatureError(f"unsupported digest method {digest_method!r}")
        if target is root:
            if transforms != [ENVELOPED]:
                raise SignatureError("#comprobante needs exactly the enveloped-signature transform")
            actual = _comprobante_digest(root, factory)
        else:
            if transforms:
                raise SignatureError(f"unexpected transforms on {uri}")
            actual = _digest(_c14n(target), factory)
        expected = base64.b64decode(_text(ref.find(f"{{{DS}}}DigestValue"), "DigestValue"))
        if not hmac.compare_digest(actual, expected):
            raise SignatureError(f"digest mismatch for {uri}")
        referenced[uri] = target

    signed_properties = sig.find(
        f"{{{DS}}}Object/{{{XADES}}}QualifyingProperties/{{{XADES}}}SignedProperties"
    )
    if key_info is None or signed_properties is None:
        raise SignatureError("missing KeyInfo or xades SignedProperties")
    required = {"#comprobante": root, "KeyInfo": key_info, "SignedProperties": signed_properties}
    covered = list(referenced.values())
    for name, element in required.items():
        if not any(element is el for el in covered):
            raise SignatureError(f"{name} is not covered by a Reference")

    # The SigningCertificate must be the embedded one, and KeyValue (if any) its key.
    cert_digest = signed_properties.find(f".//{{{XADES}}}CertDigest")
    if cert_digest is None:
        raise SignatureError("missing SigningCertificate/CertDigest")
    factory = _DIGEST_BY_URI.get(_algorithm(cert_digest.find(f"{{{DS}}}DigestMethod"), "method"))
    if factory is None:
        raise SignatureError("unsupported CertDigest method")
    cert_digest_value = _text(cert_digest.find(f"{{{DS}}}DigestValue"), "CertDigest value")
    if base64.b64decode(cert_digest_value) != _digest(der, factory):
        raise SignatureError("SigningCertificate does not match the embedded certificate")
    modulus = key_info.find(f".//{{{DS}}}RSAKeyValue/{{{DS}}}Modulus")
    if (
        modulus is not None
        and int.from_bytes(base64.b64decode(_text(modulus, "Modulus")), "big")
        != public.public_numbers().n
    ):
        raise SignatureError("RSAKeyValue does not match the certificate")

    value = base64.b64decode(_text(sig.find(f"{{{DS}}}SignatureValue"), "SignatureValue"))
    try:
        public.verify(value, _c14n(signed_info), padding.PKCS1v15(), _SIGNATURE_BY_URI[method]())
    except InvalidSignature:
        raise SignatureError("bad SignatureValue") from None


def verification_error(signed: bytes) -> str | None:
    """Why ``signed`` does not verify, or None when it does (no certificate trust check)."""
    try:
        _check(signed)
    except SignatureError as exc:
        return str(exc)
    except (ValueError, etree.XMLSyntaxError) as exc:
        return f"malformed signature: {exc}"
    return None


def verify_factura(signed: bytes) -> bool:
    """Recompute the three digests and check the RSA signature with the embedded certificate.

    This checks integrity and that the embedded certificate signed it; it does not check the
    certificate's chain of trust (SRI does that against the Ecuadorian CAs).
    """
    return verification_error(signed) is None
