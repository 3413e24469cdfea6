"""Token verification beyond the signature: the JWKS cache (refetch floor, single flight, old
keys kept when identity is down) and the revocation list SessionsRevoked fills."""

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.auth import RemoteJwks, TokenVerifier
from common.contracts.identity import SessionsRevokedData
from common.errors import ApiError
from common.revocations import RevocationList
from tests.support import access_key_for, access_token_for

KEY = Ed25519PrivateKey.generate()


def jwks_transport(calls: list[str], fail: list[bool]) -> httpx.MockTransport:
    public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(KEY.public_key()))

    async def answer(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        await asyncio.sleep(0.05)  # a slow identity: concurrent callers overlap
        if fail and fail[0]:
            return httpx.Response(503)
        return httpx.Response(200, json={"keys": [public | {"kid": "k1", "alg": "EdDSA"}]})

    return httpx.MockTransport(answer)


async def test_a_burst_of_unknown_kids_costs_one_fetch_then_none_until_the_floor() -> None:
    calls: list[str] = []
    keys = RemoteJwks(
        "http://identity/jwks", min_refetch_seconds=30, transport=jwks_transport(calls, [])
    )
    found = await asyncio.gather(*(keys(f"made-up-{n}") for n in range(100)))
    assert found == [None] * 100
    assert len(calls) == 1
    assert await keys("k1") is not None  # the fetched set is used
    assert await keys("another-made-up") is None
    assert len(calls) == 1  # within the floor: no refetch for an unknown kid


async def test_known_keys_keep_working_when_a_refresh_fails() -> None:
    calls: list[str] = []
    fail = [False]
    keys = RemoteJwks(
        "http://identity/jwks",
        refresh_seconds=0,
        min_refetch_seconds=0,
        transport=jwks_transport(calls, fail),
    )
    assert await keys("k1") is not None
    fail[0] = True
    assert await keys("k1") is not None  # stale and identity answers 503: the old key stays
    assert len(calls) == 2


async def test_with_no_key_known_an_unreachable_identity_is_an_error() -> None:
    keys = RemoteJwks("http://identity/jwks", transport=jwks_transport([], [True]))
    with pytest.raises(httpx.HTTPStatusError):
        await keys("k1")


def revoked(
    user: str, sessions: tuple[str, ...] = (), before: datetime | None = None
) -> SessionsRevokedData:
    return SessionsRevokedData(
        user_id=user, session_ids=list(sessions), all_before=before, reason="logout"
    )


async def test_a_revoked_session_is_refused_and_other_sessions_are_not() -> None:
    revocations = RevocationList(timedelta(minutes=16))
    verifier = TokenVerifier(access_key_for, revocations)
    mine = access_token_for(["customer"], subject="u1", session_id="s1")
    other = access_token_for(["customer"], subject="u1", session_id="s2")
    assert (await verifier.verify(mine)).session_id == "s1"
    revocations.apply(revoked("u1", ("s1",)), datetime.now(UTC))
    with pytest.raises(ApiError) as refused:
        await verifier.verify(mine)
    assert refused.value.status == 401
    assert (await verifier.verify(other)).session_id == "s2"


async def test_all_sessions_before_an_instant_are_refused_not_later_ones() -> None:
    revocations = RevocationList(timedelta(minutes=16))
    verifier = TokenVerifier(access_key_for, revocations)
    now = int(time.time())
    old = access_token_for(["customer"], subject="u2", session_id="a", issued_at=now - 60)
    new = access_token_for(["customer"], subject="u2", session_id="b", issued_at=now)
    someone_else = access_token_for(["customer"], subject="u3", issued_at=now - 60)
    cut = datetime.fromtimestamp(now - 30, UTC)  # a password change half a minute ago
    revocations.apply(revoked("u2", before=cut), datetime.now(UTC))
    with pytest.raises(ApiError):
        await verifier.verify(old)
    assert (await verifier.verify(new)).session_id == "b"
    assert (await verifier.verify(someone_else)).user_id == "u3"


def test_revocations_are_forgotten_once_no_token_they_concern_can_be_valid() -> None:
    revocations = RevocationList(timedelta(minutes=16))
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    revocations.apply(revoked("u1", ("s1",), before=at), at)
    revocations.forget_expired(at + timedelta(minutes=15))
    assert "s1" in revocations.sessions and "u1" in revocations.users
    revocations.forget_expired(at + timedelta(minutes=16, seconds=1))
    assert revocations.sessions == {} and revocations.users == {}
