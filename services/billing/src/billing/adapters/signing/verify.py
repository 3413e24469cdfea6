"""Verifying a signed comprobante as a verifier would: the three digests recomputed and the RSA
signature checked with the embedded certificate (not its chain of trust: SRI checks that against
the Ecuadorian CAs)."""

import base64
import hmac

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from billing.adapters.signing.xmldsig import (
    C14N,
    COMPROBANTE_ID,
    DIGEST_BY_URI,
    DS,
    ENVELOPED,
    SIGNATURE_BY_URI,
    XADES,
    c14n,
    comprobante_digest,
    digest,
    parse,
)


class SignatureError(ValueError):
    """Why a signed comprobante does not verify (``verify_factura`` turns it into False)."""


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


def _check(signed: bytes) -> None:
    root = parse(signed)
    sig = _signature(root)
    signed_info, method = _signed_info(sig)
    key_info, der, public = _certificate(sig)
    referenced = _references(root, signed_info)
    signed_properties = _covered(root, sig, key_info, referenced)
    _signing_certificate(signed_properties, key_info, der, public)
    value = base64.b64decode(_text(sig.find(f"{{{DS}}}SignatureValue"), "SignatureValue"))
    try:
        public.verify(value, c14n(signed_info), padding.PKCS1v15(), SIGNATURE_BY_URI[method]())
    except InvalidSignature:
        raise SignatureError("bad SignatureValue") from None


def _signature(root: etree._Element) -> etree._Element:
    if root.get("id") != COMPROBANTE_ID:
        raise SignatureError(f'root element must have id="{COMPROBANTE_ID}"')
    signatures = root.findall(f".//{{{DS}}}Signature")
    if len(signatures) != 1 or root[-1] is not signatures[0]:
        raise SignatureError("exactly one ds:Signature, the last child of the root, expected")
    return signatures[0]


def _signed_info(sig: etree._Element) -> tuple[etree._Element, str]:
    """SignedInfo and its signature method, both algorithms known."""
    signed_info = sig.find(f"{{{DS}}}SignedInfo")
    if signed_info is None:
        raise SignatureError("missing SignedInfo")
    canonicalization = _algorithm(
        signed_info.find(f"{{{DS}}}CanonicalizationMethod"), "c14n method"
    )
    if canonicalization != C14N:
        raise SignatureError(f"unsupported canonicalization {canonicalization!r}")
    method = _algorithm(signed_info.find(f"{{{DS}}}SignatureMethod"), "signature method")
    if method not in SIGNATURE_BY_URI:
        raise SignatureError(f"unsupported signature method {method!r}")
    return signed_info, method


def _certificate(sig: etree._Element) -> tuple[etree._Element, bytes, rsa.RSAPublicKey]:
    """KeyInfo, the embedded certificate (DER) and its RSA key."""
    key_info = sig.find(f"{{{DS}}}KeyInfo")
    if key_info is None:
        raise SignatureError("missing KeyInfo")
    certificate = key_info.find(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    der = base64.b64decode(_text(certificate, "KeyInfo/X509Data/X509Certificate"))
    public = x509.load_der_x509_certificate(der).public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise SignatureError("the certificate key is not RSA")
    return key_info, der, public


def _references(root: etree._Element, signed_info: etree._Element) -> dict[str, etree._Element]:
    """Every Reference's digest checked: the referenced elements by URI."""
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
        factory = DIGEST_BY_URI.get(digest_method)
        if factory is None:
            raise SignatureError(f"unsupported digest method {digest_method!r}")
        if target is root:
            if transforms != [ENVELOPED]:
                raise SignatureError("#comprobante needs exactly the enveloped-signature transform")
            actual = comprobante_digest(root, factory)
        else:
            if transforms:
                raise SignatureError(f"unexpected transforms on {uri}")
            actual = digest(c14n(target), factory)
        expected = base64.b64decode(_text(ref.find(f"{{{DS}}}DigestValue"), "DigestValue"))
        if not hmac.compare_digest(actual, expected):
            raise SignatureError(f"digest mismatch for {uri}")
        referenced[uri] = target
    return referenced


def _covered(
    root: etree._Element,
    sig: etree._Element,
    key_info: etree._Element,
    referenced: dict[str, etree._Element],
) -> etree._Element:
    """The xades SignedProperties, once the comprobante, KeyInfo and it are all referenced."""
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
    return signed_properties


def _signing_certificate(
    signed_properties: etree._Element,
    key_info: etree._Element,
    der: bytes,
    public: rsa.RSAPublicKey,
) -> None:
    """The SigningCertificate must be the embedded one, and KeyValue (if any) its key."""
    cert_digest = signed_properties.find(f".//{{{XADES}}}CertDigest")
    if cert_digest is None:
        raise SignatureError("missing SigningCertificate/CertDigest")
    factory = DIGEST_BY_URI.get(_algorithm(cert_digest.find(f"{{{DS}}}DigestMethod"), "method"))
    if factory is None:
        raise SignatureError("unsupported CertDigest method")
    cert_digest_value = _text(cert_digest.find(f"{{{DS}}}DigestValue"), "CertDigest value")
    if base64.b64decode(cert_digest_value) != digest(der, factory):
        raise SignatureError("SigningCertificate does not match the embedded certificate")
    modulus = key_info.find(f".//{{{DS}}}RSAKeyValue/{{{DS}}}Modulus")
    if (
        modulus is not None
        and int.from_bytes(base64.b64decode(_text(modulus, "Modulus")), "big")
        != public.public_numbers().n
    ):
        raise SignatureError("RSAKeyValue does not match the certificate")


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
