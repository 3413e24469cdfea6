"""XAdES-BES enveloped signature check (SRI error 39), independent of billing's own verifier.

signxml does the XMLDSig part (C14N, the three reference digests, the RSA signature, the
certificate's validity period, KeyValue matching the certificate). On top of it, the XAdES-BES
points SRI relies on: the References cover the comprobante (enveloped), the KeyInfo and the
SignedProperties, and SigningCertificate is the embedded certificate. With a trusted CA
configured, the certificate must also chain to it (cryptography's X.509 path validation).
"""

import base64
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import verification
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

# SRI's ficha técnica requires RSA-SHA1 and SHA-1 digests (docs/sri.md §9): nothing else passes.
CONFIG = SignatureConfiguration(
    require_x509=True,
    location="./",  # ds:Signature must be a child of <factura>
    expect_references=3,
    signature_methods=frozenset({SignatureMethod.RSA_SHA1}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA1}),
    # XMLDSig 1.0: a Reference without a C14N transform is canonicalised with inclusive C14N 1.0.
    default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
)
_CERT_DIGESTS: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    DigestAlgorithm.SHA1.value: hashes.SHA1,
}


class SignatureProblem(Exception):
    """Why the signature is not acceptable (becomes informacionAdicional of message 39)."""


def _has_digital_signature(_policy: object, _cert: x509.Certificate, usage: object) -> None:
    if not isinstance(usage, x509.KeyUsage) or not usage.digital_signature:
        raise ValueError("the certificate's KeyUsage does not allow digitalSignature")


class SignatureChecker:
    def __init__(self, trusted_ca: Path | None = None) -> None:
        self._store: verification.Store | None = None
        if trusted_ca is not None:
            anchors = x509.load_pem_x509_certificates(trusted_ca.read_bytes())
            self._store = verification.Store(anchors)
        # A bill run signs thousands of facturas with one certificate: validate its path once.
        self._chain_error = lru_cache(maxsize=64)(self._chain_error_uncached)

    def problem(self, root: etree._Element) -> str | None:
        """Why the signed comprobante ``root`` fails verification, or None when it passes."""
        try:
            self._check(root)
        except SignatureProblem as exc:
            return str(exc)
        except (SignXMLException, etree.LxmlError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def _check(self, root: etree._Element) -> None:
        signatures = root.findall(f".//{{{DS}}}Signature")
        if not signatures:
            raise SignatureProblem("el comprobante no está firmado")
        if len(signatures) != 1 or root[-1] is not signatures[0]:
            raise SignatureProblem("se espera una sola ds:Signature, último hijo del comprobante")
        signature = signatures[0]
        key_info = signature.find(f"{{{DS}}}KeyInfo")
        certs = (
            []
            if key_info is None
            else key_info.findall(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")
        )
        if not certs:
            raise SignatureProblem("KeyInfo sin X509Certificate")
        ders = tuple(base64.b64decode(c.text or "") for c in certs)
        cert = x509.load_der_x509_certificate(ders[0])

        chain_error = self._chain_error(ders)
        if chain_error:
            raise SignatureProblem(chain_error)
        XMLVerifier().verify(root, x509_cert=cert, expect_config=CONFIG)
        self._check_xades(root, signature, key_info, ders[0])

    def _check_xades(
        self,
        root: etree._Element,
        signature: etree._Element,
        key_info: etree._Element | None,
        cert_der: bytes,
    ) -> None:
        signed_properties = signature.find(
            f"{{{DS}}}Object/{{{XADES}}}QualifyingProperties/{{{XADES}}}SignedProperties"
        )
        if signed_properties is None or key_info is None:
            raise SignatureProblem("faltan xades:SignedProperties o ds:KeyInfo")
        covered: dict[str, list[etree._Element]] = {}
        for ref in signature.iterfind(f"{{{DS}}}SignedInfo/{{{DS}}}Reference"):
            transforms = [
                t.get("Algorithm") for t in ref.iterfind(f"{{{DS}}}Transforms/{{{DS}}}Transform")
            ]
            covered.setdefault(ref.get("URI", ""), []).append(ref)
            if ref.get("URI") == f"#{root.get('id')}" and ENVELOPED not in transforms:
                raise SignatureProblem("la referencia al comprobante no es enveloped")
        required = {
            "comprobante": f"#{root.get('id')}",
            "KeyInfo": f"#{key_info.get('Id')}",
            "SignedProperties": f"#{signed_properties.get('Id')}",
        }
        for name, uri in required.items():
            if uri == "#None" or uri not in covered:
                raise SignatureProblem(f"{name} no está cubierto por una Reference")
        properties_refs = covered[required["SignedProperties"]]
        if not any(ref.get("Type") == SIGNED_PROPERTIES_TYPE for ref in properties_refs):
            raise SignatureProblem("la Reference a SignedProperties no declara su Type XAdES")

        cert_digest = signed_properties.find(
            f"{{{XADES}}}SignedSignatureProperties/{{{XADES}}}SigningCertificate"
            f"/{{{XADES}}}Cert/{{{XADES}}}CertDigest"
        )
        if cert_digest is None:
            raise SignatureProblem("falta xades:SigningCertificate/Cert/CertDigest")
        method = cert_digest.find(f"{{{DS}}}DigestMethod")
        factory = _CERT_DIGESTS.get("" if method is None else method.get("Algorithm", ""))
        if factory is None:
            raise SignatureProblem("algoritmo de CertDigest no soportado")
        digest = hashes.Hash(factory())
        digest.update(cert_der)
        expected = base64.b64decode(cert_digest.findtext(f"{{{DS}}}DigestValue") or "")
        if not hmac.compare_digest(digest.finalize(), expected):
            raise SignatureProblem("SigningCertificate no corresponde al certificado de KeyInfo")

    def _chain_error_uncached(self, ders: tuple[bytes, ...]) -> str | None:
        certs = [x509.load_der_x509_certificate(der) for der in ders]
        leaf, intermediates = certs[0], certs[1:]
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            return "el certificado no declara KeyUsage"
        if not usage.digital_signature:
            return "el certificado no permite digitalSignature"
        if self._store is None:
            return None
        ee_policy = verification.ExtensionPolicy.permit_all().require_present(
            x509.KeyUsage, verification.Criticality.AGNOSTIC, _has_digital_signature
        )
        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(datetime.now(UTC))
            .extension_policies(
                ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee_policy
            )
            .build_client_verifier()
        )
        try:
            verifier.verify(leaf, intermediates)
        except verification.VerificationError as exc:
            return f"certificado no emitido por una CA de confianza: {exc}"
        return None
