"""The signing credentials: the RSA key and its certificate from the issuer's PKCS#12.

A ``.p12`` may hold several keys (an Ecuadorian token export can carry an encryption key next to
the signing one). ``cryptography`` (OpenSSL's PKCS12_parse) yields only the first key with all the
certificates, so the other keys are read here from the PFX's unencrypted SafeContents, where
OpenSSL and Java's keytool put their (password-shrouded) key bags; the password and the MAC are
checked by ``cryptography`` first. A key bag inside an encrypted SafeContents (unusual) is not
reached: only cryptography's first key is known then (docs/sri.md §4).
"""

import contextlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from billing.adapters.signing.der import (
    EXPLICIT_0,
    OCTET_STRING,
    OID,
    SEQUENCE,
    children,
    content,
    object_identifier,
)

_DATA = "1.2.840.113549.1.7.1"  # PKCS#7 data: an unencrypted SafeContents
_KEY_BAG = "1.2.840.113549.1.12.10.1.1"  # a PrivateKeyInfo
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"  # an EncryptedPrivateKeyInfo


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


def load_pkcs12(data: bytes, password: bytes) -> SigningCredentials:
    """The RSA key whose certificate may sign comprobantes, and that certificate, from a ``.p12``.

    The certificate must not be a CA and must allow digitalSignature; among several, one that
    also allows nonRepudiation wins, then the one valid longest.
    """
    try:
        first_key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        raise SigningCredentialsError(
            f"cannot open the PKCS#12: wrong password or corrupt file ({exc})"
        ) from None
    keys = _rsa_keys([first_key, *_other_keys(data, password)])
    if not keys:
        raise SigningCredentialsError("the PKCS#12 has no RSA private key")
    certs = ([cert] if cert is not None else []) + list(extra)
    pairs = [(k, c) for c in certs if _may_sign(c) for k in keys if _same_key(c, k)]
    if not pairs:
        raise SigningCredentialsError(
            "the PKCS#12 has no certificate for its private key with KeyUsage digitalSignature"
        )
    key, chosen = max(pairs, key=lambda pair: _preference(pair[1]))
    return SigningCredentials(key, chosen, tuple(c for c in certs if c is not chosen))


def _key_usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _may_sign(cert: x509.Certificate) -> bool:
    usage = _key_usage(cert)
    return usage is not None and usage.digital_signature and not _is_ca(cert)


def _preference(cert: x509.Certificate) -> tuple[bool, datetime]:
    usage = _key_usage(cert)
    return (usage is not None and usage.content_commitment, cert.not_valid_after_utc)


def _same_key(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bool:
    public = cert.public_key()
    return (
        isinstance(public, rsa.RSAPublicKey)
        and public.public_numbers() == key.public_key().public_numbers()
    )


def _rsa_keys(keys: list[object]) -> list[rsa.RSAPrivateKey]:
    """The RSA keys, each once (cryptography's first key is also among the bags)."""
    found: list[rsa.RSAPrivateKey] = []
    for key in keys:
        if isinstance(key, rsa.RSAPrivateKey) and not any(
            key.private_numbers() == k.private_numbers() for k in found
        ):
            found.append(key)
    return found


def _other_keys(data: bytes, password: bytes) -> list[object]:
    """Every private key in the PFX's unencrypted SafeContents (PFX, RFC 7292 §4).

    Best effort: whatever this cannot read leaves cryptography's first key as the only one.
    """
    keys: list[object] = []
    with contextlib.suppress(ValueError, IndexError):
        _, auth_safe, *_ = children(data, SEQUENCE)
        auth_type, auth_content = children(auth_safe, SEQUENCE)
        if object_identifier(content(auth_type, OID)) != _DATA:
            return keys
        safes = content(content(auth_content, EXPLICIT_0), OCTET_STRING)
        for info in children(safes, SEQUENCE):
            kind, *rest = children(info, SEQUENCE)
            if object_identifier(content(kind, OID)) == _DATA and rest:
                bags = content(content(rest[0], EXPLICIT_0), OCTET_STRING)
                keys.extend(_bag_keys(bags, password))
    return keys


def _bag_keys(safe_contents: bytes, password: bytes) -> list[object]:
    keys: list[object] = []
    for bag in children(safe_contents, SEQUENCE):
        bag_id, value, *_ = children(bag, SEQUENCE)
        kind = object_identifier(content(bag_id, OID))
        if kind not in (_KEY_BAG, _SHROUDED_KEY_BAG):
            continue
        secret = password if kind == _SHROUDED_KEY_BAG else None
        with contextlib.suppress(ValueError, TypeError, UnsupportedAlgorithm):
            keys.append(serialization.load_der_private_key(content(value, EXPLICIT_0), secret))
    return keys
