"""The access-token signing keys: ids that are RFC 7638 thumbprints, a ring that publishes
current + next + previous and signs with the current key only, keys read from files, and a
production that refuses to start without its key file."""

import base64
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from common.auth import AUDIENCE, ISSUER
from common.errors import ApiError
from common.testing import PRODUCTION_KAFKA
from identity.adapters.signing import KeyFiles, KeyRing, KeySet, SigningKey
from identity.settings import IdentitySettings
from services.identity.tests.unit.fakes import SETTINGS, Fakes

MINUTE = timedelta(minutes=1)


def _unpadded(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_key_id_is_the_rfc_7638_thumbprint() -> None:
    # RFC 8037, appendix A.1-A.3: an Ed25519 key, its public "x" and its JWK thumbprint.
    private = Ed25519PrivateKey.from_private_bytes(
        _unpadded("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
    )
    key = SigningKey(private)
    assert key.jwk()["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert key.kid == key.jwk()["kid"] == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_replicas_reading_the_same_file_agree_on_the_key_id() -> None:
    pem = SigningKey.generate().private_pem()
    one, other = SigningKey.from_pem(pem), SigningKey.from_pem(pem)
    assert one.kid == other.kid and one.jwk() == other.jwk()
    assert SigningKey.generate().kid != one.kid


async def test_the_ring_publishes_three_keys_and_signs_with_the_current_one() -> None:
    current, upcoming, old = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    ring = KeyRing.holding(current, upcoming, old)
    assert ring.jwks() == [current.jwk(), upcoming.jwk(), old.jwk()]
    token = ring.access_token("u1", ["customer"], "s1", MINUTE, datetime.now(UTC))
    assert jwt.get_unverified_header(token)["kid"] == current.kid
    claims = jwt.decode(token, current.public_key, ["EdDSA"], audience=AUDIENCE, issuer=ISSUER)
    assert claims["sub"] == "u1"
    for other in (upcoming, old):
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, other.public_key, ["EdDSA"], audience=AUDIENCE, issuer=ISSUER)
    for key in (current, upcoming, old):
        assert await ring.public_key(key.kid) == key.public_key
    assert await ring.public_key(SigningKey.generate().kid) is None
    assert KeyRing.holding(current).jwks() == [current.jwk()]


async def test_identity_accepts_tokens_of_its_previous_and_next_keys() -> None:
    old, current, upcoming = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    svc = Fakes(keys=KeyRing.holding(current, upcoming, old)).service()
    # previous: its tokens stay valid; next: a replica already promoted signs with it.
    for key in (old, current, upcoming):
        principal = await svc.verifier.verify(key.access_token("u1", ["customer"], "s1", MINUTE))
        assert principal.user_id == "u1"
    dropped = Fakes(keys=KeyRing.holding(current)).service()
    with pytest.raises(ApiError) as refused:
        await dropped.verifier.verify(old.access_token("u1", ["customer"], "s1", MINUTE))
    assert refused.value.status == 401


def test_the_same_key_twice_in_a_ring_is_refused() -> None:
    key = SigningKey.generate()
    with pytest.raises(ValueError, match="must differ"):
        KeySet(key, previous=SigningKey.from_pem(key.private_pem()))


def _write(path: Path, key: SigningKey) -> Path:
    path.write_bytes(key.private_pem())
    return path


async def test_keys_are_read_from_their_files(tmp_path: Path) -> None:
    current, upcoming, old = SigningKey.generate(), SigningKey.generate(), SigningKey.generate()
    files = KeyFiles(
        _write(tmp_path / "current.pem", current),
        _write(tmp_path / "next.pem", upcoming),
        _write(tmp_path / "previous.pem", old),
    )
    ring = KeyRing(files)
    await ring.load()
    assert [k["kid"] for k in ring.jwks()] == [current.kid, upcoming.kid, old.kid]
    # A Secret without next.pem, with an empty previous.pem: neither key exists.
    (tmp_path / "previous.pem").write_bytes(b"")
    keys = KeyFiles(files.current, tmp_path / "none.pem", files.previous).read()
    assert (keys.current.kid, keys.next, keys.previous) == (current.kid, None, None)


async def test_a_missing_or_wrong_current_key_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await KeyRing(KeyFiles(tmp_path / "missing.pem")).load()
    p256 = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "ec.pem").write_bytes(p256)
    with pytest.raises(ValueError, match="Ed25519"):
        await KeyFiles(tmp_path / "ec.pem")()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_local_stacks_openssl_key_is_read(tmp_path: Path) -> None:
    # What deploy/local/stack.sh generates (and the README's rotation procedure).
    pem = tmp_path / "identity-signing.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(pem)], check=True)
    keys = KeyFiles(pem).read()
    assert keys.current.kid == SigningKey.from_pem(pem.read_bytes()).kid


async def test_without_a_key_file_development_gets_a_key_of_its_own() -> None:
    first, second = await KeyFiles(None)(), await KeyFiles(None)()
    assert first.current.kid != second.current.kid


def test_production_refuses_to_start_without_its_key_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SIGNING_KEY_PATH", raising=False)
    with pytest.raises(ValidationError, match="SIGNING_KEY_PATH is required"):
        IdentitySettings(app_env="production", **PRODUCTION_KAFKA)
    monkeypatch.setenv("SIGNING_KEY_PATH", "")  # an empty variable is no path
    with pytest.raises(ValidationError, match="SIGNING_KEY_PATH is required"):
        IdentitySettings(app_env="production", **PRODUCTION_KAFKA)
    path = tmp_path / "current.pem"
    assert (
        IdentitySettings(
            app_env="production", signing_key_path=path, **PRODUCTION_KAFKA
        ).signing_key_path
        == path
    )
    assert SETTINGS.signing_key_path is None  # tests and development may go without
    with pytest.raises(ValidationError, match="need SIGNING_KEY_PATH"):
        IdentitySettings(app_env="test", signing_previous_key_path=path)
