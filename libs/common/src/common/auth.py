"""Verify identity's access tokens locally (docs/design.md §6): EdDSA JWTs against a JWKS."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from fastapi import Request

from common.errors import ApiError

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

    def has_role(self, role: str) -> bool:
        return role in self.roles


def unauthorized(
    message: str = "Tu sesión no es válida o expiró. Inicia sesión nuevamente.",
) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


class TokenVerifier:
    def __init__(self, key_for: KeyLookup) -> None:
        self._key_for = key_for

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
        return Principal(
            user_id=claims["sub"],
            roles=tuple(claims.get("roles", ())),
            token_id=claims["jti"],
            session_id=claims.get("sid"),
        )


class RemoteJwks:
    """Keys from identity's JWKS endpoint, cached; an unknown kid triggers one refetch."""

    def __init__(self, url: str, refresh_seconds: float = 300.0) -> None:
        self._url, self._refresh = url, refresh_seconds
        self._keys: dict[str, Any] = {}
        self._fetched = 0.0

    async def __call__(self, kid: str) -> Any:
        stale = time.monotonic() - self._fetched > self._refresh
        if kid not in self._keys or stale:
            await self._fetch()
        return self._keys.get(kid)

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(self._url)
            response.raise_for_status()
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


def jwks_verifier(url: str) -> TokenVerifier:
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

    return TokenVerifier(key_for)


async def require_role(verifier: TokenVerifier, request: Request, role: str) -> Principal:
    """The caller's principal if its token is valid and carries ``role``; else 401/403."""
    principal = await verifier.verify(bearer_token(request))
    if not principal.has_role(role):
        raise ApiError(403, "forbidden", "No tienes permiso para esta acción.")
    return principal
