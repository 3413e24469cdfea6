"""The access-token signing keys (Ed25519), read from files, the key ring that holds them, and
its JWKS.

The ring holds the current key (the only one that signs), an optional next key (published
before it signs, so every verifier knows it before a rotation) and an optional previous key (no
longer signs, published until the tokens it signed expire). Each key's id is its RFC 7638 JWK
thumbprint: every replica derives the same id from the same file, with no coordination.
"""

import asyncio
import base64
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common.auth import AUDIENCE, ISSUER
from common.logging import get_logger

log = get_logger(__name__)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 (with RFC 8037 for OKP keys): SHA-256 of the key's required members, in
    lexicographic order and without whitespace, base64url without padding."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> "SigningKey":
        """A PEM PKCS#8 private key (``openssl genpkey -algorithm ed25519``)."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key is not an Ed25519 key")
        return cls(key)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @cached_property
    def kid(self) -> str:
        return thumbprint(self.public_key)

    def jwk(self) -> dict[str, Any]:
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64url(raw),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        }

    def access_token(
        self,
        user_id: str,
        roles: list[str],
        session_id: str,
        ttl: timedelta,
        now: datetime | None = None,
    ) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id,
            "roles": roles,
            "sid": session_id,
            "jti": uuid.uuid4().hex,
            "iat": issued,
            "exp": issued + ttl,
        }
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


@dataclass(frozen=True)
class KeySet:
    """What the ring holds: the key that signs, and the ones only published beside it."""

    current: SigningKey
    next: SigningKey | None = None
    previous: SigningKey | None = None

    def __post_init__(self) -> None:
        kids = [key.kid for key in self.published()]
        if len(set(kids)) != len(kids):
            raise ValueError("the current, next and previous signing keys must differ")

    def published(self) -> Iterator[SigningKey]:
        """Current, next, previous: every key that verifies."""
        yield self.current
        yield from (key for key in (self.next, self.previous) if key is not None)


class KeyFiles:
    """Loads the key set from its files (a Kubernetes Secret mounted as files, or the local
    stack's generated key). The current key's file must be there; a next or previous path whose
    file is missing or empty means no such key (the Secret does not hold it now).

    Without a current path (development and tests only: the settings refuse it in production)
    the current key is generated in memory: tokens stop verifying when the process restarts,
    and replicas do not share it."""

    def __init__(
        self,
        current: Path | None,
        next_key: Path | None = None,
        previous_key: Path | None = None,
    ) -> None:
        self.current, self.next, self.previous = current, next_key, previous_key

    async def __call__(self) -> KeySet:
        return await asyncio.to_thread(self.read)

    def read(self) -> KeySet:
        if self.current is None:
            log.warning("signing_key_ephemeral", reason="SIGNING_KEY_PATH is not set")
            current = SigningKey.generate()
        else:
            current = SigningKey.from_pem(self.current.read_bytes())
        keys = KeySet(current, self._optional(self.next), self._optional(self.previous))
        log.info(
            "signing_keys_loaded",
            current=keys.current.kid,
            next=keys.next.kid if keys.next else None,
            previous=keys.previous.kid if keys.previous else None,
        )
        return keys

    @staticmethod
    def _optional(path: Path | None) -> SigningKey | None:
        if path is None or not path.is_file() or path.stat().st_size == 0:
            return None
        return SigningKey.from_pem(path.read_bytes())


class KeyRing:
    """The key ring port: the keys this service signs and verifies with, loaded by a start-up
    step (app.SPEC), so building the service needs no I/O."""

    def __init__(self, load: Callable[[], Awaitable[KeySet]]) -> None:
        self._load = load
        self._keys: KeySet | None = None

    @classmethod
    def holding(
        cls,
        current: SigningKey,
        next_key: SigningKey | None = None,
        previous_key: SigningKey | None = None,
    ) -> "KeyRing":
        """A ring with these keys already in it (tests, scripts)."""
        keys = KeySet(current, next_key, previous_key)

        async def same() -> KeySet:
            return keys

        ring = cls(same)
        ring._keys = keys
        return ring

    async def load(self) -> None:
        self._keys = await self._load()

    @property
    def keys(self) -> KeySet:
        if self._keys is None:
            raise RuntimeError("the signing keys are loaded by a start-up step (app.SPEC)")
        return self._keys

    def access_token(
        self, user_id: str, roles: list[str], session_id: str, ttl: timedelta, now: datetime
    ) -> str:
        return self.keys.current.access_token(user_id, roles, session_id, ttl, now)

    def jwks(self) -> list[dict[str, Any]]:
        return [key.jwk() for key in self.keys.published()]

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """For the token verifier: the public key with this id, if the ring publishes it. The
        next key counts too: during a rolling restart, replicas already promoted sign with it."""
        return next((k.public_key for k in self.keys.published() if k.kid == kid), None)
