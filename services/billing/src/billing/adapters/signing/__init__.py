"""XAdES-BES enveloped signature of SRI comprobantes (docs/sri.md §4); not domain: it uses keys.

The structure is what SRI-accepted implementations produce: ``ds:Signature`` as the last child of
``<factura>``, inclusive C14N 1.0, and three References in SignedInfo — the xades SignedProperties,
the KeyInfo and ``#comprobante`` (enveloped-signature transform).

``credentials``: the PKCS#12 (key and certificate); ``sign``: the signature; ``verify``: our own
check of one (integrity and the embedded certificate, not its chain of trust); ``xmldsig``: what
both share (namespaces, algorithms, canonicalisation, digests).
"""

from billing.adapters.signing.credentials import (
    SigningCredentials,
    SigningCredentialsError,
    load_pkcs12,
)
from billing.adapters.signing.sign import sign_factura
from billing.adapters.signing.verify import SignatureError, verification_error, verify_factura
from billing.adapters.signing.xmldsig import (
    C14N,
    COMPROBANTE_ID,
    DIGESTS,
    DS,
    ENVELOPED,
    SIGNATURES,
    SIGNED_PROPERTIES_TYPE,
    XADES,
)

__all__ = [
    "C14N",
    "COMPROBANTE_ID",
    "DIGESTS",
    "DS",
    "ENVELOPED",
    "SIGNATURES",
    "SIGNED_PROPERTIES_TYPE",
    "XADES",
    "SignatureError",
    "SigningCredentials",
    "SigningCredentialsError",
    "load_pkcs12",
    "sign_factura",
    "verification_error",
    "verify_factura",
]
