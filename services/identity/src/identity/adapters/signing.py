"""The access-token signing key (Ed25519), the key ring that holds it, and its JWKS."""

import base64
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common.auth import AUDIENCE, ISSUER


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(uuid.uuid4().hex, Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: str) -> "SigningKey":
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("signing key is not Ed25519")
        return cls(kid, key)

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def jwk(self) -> dict[str, Any]:
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": x,
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


class KeyRing:
    """The key ring port: the key this service signs with, loaded (or created on first start)
    by a start-up step, so building the service needs no I/O."""

    def __init__(self, load: Callable[[], Awaitable[SigningKey]]) -> None:
        self._load = load
        self._key: SigningKey | None = None

    @classmethod
    def holding(cls, key: SigningKey) -> "KeyRing":
        """A ring with ``key`` already in it (tests, scripts)."""

        async def same() -> SigningKey:
            return key

        ring = cls(same)
        ring._key = key
        return ring

    async def load(self) -> None:
        self._key = await self._load()

    @property
    def key(self) -> SigningKey:
        if self._key is None:
            raise RuntimeError("the signing key is loaded by a start-up step (app.SPEC)")
        return self._key

    def access_token(
        self, user_id: str, roles: list[str], session_id: str, ttl: timedelta, now: datetime
    ) -> str:
        return self.key.access_token(user_id, roles, session_id, ttl, now)

    def jwks(self) -> list[dict[str, Any]]:
        return [self.key.jwk()]

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """For the token verifier: the public key with this id, if it is ours."""
        key = self.key
        return key.public_key if kid == key.kid else None
