"""A ``.p12`` with several keys as Java's keytool writes it: the signing key is picked.

keytool (Java 17) puts an encryption-only key first, so OpenSSL's single key would be the wrong
one; ``load_pkcs12`` reads every key bag (docs/sri.md §4). The keystore is generated per test.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from billing.adapters.signing import load_pkcs12

KEYTOOL = shutil.which("keytool")
PASSWORD = "clave-de-prueba"


def _keypair(store: Path, alias: str, usage: str) -> None:
    assert KEYTOOL is not None
    command = [
        KEYTOOL,
        "-genkeypair",
        "-keystore",
        str(store),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD,
        "-alias",
        alias,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        f"CN={alias.upper()},O=Prueba,C=EC",
        "-ext",
        f"KeyUsage={usage}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr


def test_keytool_store_with_two_keys(tmp_path: Path) -> None:
    if KEYTOOL is None:
        pytest.skip("keytool (Java) is not installed")
    store = tmp_path / "firma.p12"
    _keypair(store, "cifrado", "keyEncipherment")
    _keypair(store, "firma", "digitalSignature,nonRepudiation")
    data = store.read_bytes()
    _, first, _ = pkcs12.load_key_and_certificates(data, PASSWORD.encode())
    assert first is not None
    assert first.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CIFRADO"
    creds = load_pkcs12(data, PASSWORD.encode())
    assert creds.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "FIRMA"
    )
    assert creds.certificate.public_key() == creds.private_key.public_key()
