"""Verify identity's access tokens locally (docs/design.md §6): EdDSA JWTs against a JWKS."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
import jwt
from fastapi import Request

from common.errors import ApiError
from common.logging import get_logger

log = get_logger(__name__)

ISSUER = "identity"
AUDIENCE = "selfcare"
ALGORITHMS = ["EdDSA"]

KeyLookup = Callable[[str], Awaitable[Any]]


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: tuple[str, ...]
    token_id: str
    session_id: str | None
    issued_at: datetime | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles


def unauthorized(
    message: str = "Tu sesión no es válida o expiró. Inicia sesión nuevamente.",
) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


class RevocationCheck(Protocol):
    """What the verifier asks after a token's signature and claims are good (revocations.py)."""

    def is_revoked(self, principal: Principal) -> bool: ...


class TokenVerifier:
    def __init__(self, key_for: KeyLookup, revocations: RevocationCheck | None = None) -> None:
        self._key_for = key_for
        self.revocations = revocations

    async def verify(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
            key = await self._key_for(kid)
            if key is None:
                raise unauthorized()
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti"]},
            )
        except jwt.PyJWTError:
            raise unauthorized() from None
        principal = Principal(
            user_id=claims["sub"],
            roles=tuple(claims.get("roles", ())),
            token_id=claims["jti"],
            session_id=claims.get("sid"),
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        )
        if self.revocations is not None and self.revocations.is_revoked(principal):
            raise unauthorized()
        return principal


class RemoteJwks:
    """Keys from identity's JWKS endpoint, cached for ``refresh_seconds``.

    An unknown kid refetches (a key identity just rotated in), but at most once per
    ``min_refetch_seconds`` and by one caller at a time (single flight): a burst of tokens with
    made-up kids costs identity one request, not one each. When a refresh fails, the keys
    already known keep working; with none known, the error goes to the caller (503).
    """

    def __init__(
        self,
        url: str,
        refresh_seconds: float = 300.0,
        min_refetch_seconds: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url, self._refresh, self._floor = url, refresh_seconds, min_refetch_seconds
        self._transport = transport
        self._keys: dict[str, Any] = {}
        self._attempted = float("-inf")  # last fetch attempt, successful or not
        self._fetched = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def __call__(self, kid: str) -> Any:
        if self._fresh(kid):
            return self._keys[kid]
        async with self._lock:
            # Whoever held the lock may have fetched what this caller needs.
            if not self._fresh(kid) and time.monotonic() - self._attempted >= self._floor:
                await self._refresh_keys()
        return self._keys.get(kid)

    def _fresh(self, kid: str) -> bool:
        return kid in self._keys and time.monotonic() - self._fetched < self._refresh

    async def _refresh_keys(self) -> None:
        self._attempted = time.monotonic()
        self.fetches += 1
        try:
            async with httpx.AsyncClient(timeout=5, transport=self._transport) as client:
                response = await client.get(self._url)
                response.raise_for_status()
        except httpx.HTTPError:
            if not self._keys:
                raise
            log.warning("jwks_refresh_failed", url=self._url)
            return
        self._keys = {
            k["kid"]: jwt.PyJWK(k).key for k in response.json().get("keys", []) if "kid" in k
        }
        self._fetched = time.monotonic()


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("Necesitas iniciar sesión.")
    return token.strip()


def jwks_verifier(url: str, revocations: RevocationCheck | None = None) -> TokenVerifier:
    """Verify identity's access tokens against its JWKS; identity down → 503, not 500."""
    keys = RemoteJwks(url)

    async def key_for(kid: str) -> Any:
        try:
            return await keys(kid)
        except httpx.HTTPError:
            raise ApiError(
                503,
                "auth_unavailable",
                "No podemos verificar tu sesión en este momento. Intenta nuevamente.",
            ) from None

    return TokenVerifier(key_for, revocations)


async def require_role(verifier: TokenVerifier, request: Request, role: str) -> Principal:
    """The caller's principal if its token is valid and carries ``role``; else 401/403."""
    principal = await verifier.verify(bearer_token(request))
    if not principal.has_role(role):
        raise ApiError(403, "forbidden", "No tienes permiso para esta acción.")
    return principal
