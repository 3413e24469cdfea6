"""The signing credentials: the RSA key and its certificate from the issuer's PKCS#12."""

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12


class SigningCredentialsError(ValueError):
    """The PKCS#12 cannot be used to sign comprobantes (bad password, no usable cert/key)."""


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
