"""What signing and verifying share: namespaces, algorithms, inclusive C14N, digests, parsing."""

import base64
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
COMPROBANTE_ID = "comprobante"

# SRI's technical sheet requires RSA-SHA1 and SHA-1 digests (docs/sri.md §4, §9): nothing else
# is signed, and the verifier refuses anything else as SRI would.
DIGESTS: dict[str, tuple[str, Callable[[], hashes.HashAlgorithm]]] = {
    "sha1": ("http://www.w3.org/2000/09/xmldsig#sha1", hashes.SHA1),
}
SIGNATURES: dict[str, tuple[str, Callable[[], hashes.HashAlgorithm]]] = {
    "rsa-sha1": ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", hashes.SHA1),
}
DIGEST_BY_URI = {uri: factory for uri, factory in DIGESTS.values()}
SIGNATURE_BY_URI = {uri: factory for uri, factory in SIGNATURES.values()}


def c14n(element: etree._Element) -> bytes:
    """Inclusive C14N 1.0 without comments of ``element`` in its document context."""
    data: bytes = etree.tostring(element, method="c14n", exclusive=False, with_comments=False)
    return data


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def int_b64(value: int) -> str:
    return b64(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def digest(data: bytes, factory: Callable[[], hashes.HashAlgorithm]) -> bytes:
    h = hashes.Hash(factory())
    h.update(data)
    return h.finalize()


def comprobante_digest(root: etree._Element, factory: Callable[[], hashes.HashAlgorithm]) -> bytes:
    """Digest of ``#comprobante`` after the enveloped-signature transform."""
    copy = etree.fromstring(etree.tostring(root))
    for signature in copy.findall(f"{{{DS}}}Signature"):
        _remove_keeping_tail(signature)
    return digest(c14n(copy), factory)


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


def parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )
    return etree.fromstring(xml, parser)
