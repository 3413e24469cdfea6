"""Rotating identity's access-token signing key without downtime (services/identity/README.md,
"Signing keys"): a token signed by the old key stays valid, for identity and for every service
that verifies against its JWKS, until the old key is dropped; then it is refused.

It runs an identity process of its own (its own port and database, started from this checkout)
and restarts it with each stage's key files, as a rollout would; its test user is written
straight into that database, so no event reaches the stack's topics.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest

from common.auth import RemoteJwks, TokenVerifier, jwks_verifier
from common.database import Database
from common.errors import ApiError
from identity.adapters.passwords import Argon2Passwords
from identity.adapters.signing import SigningKey
from identity.adapters.store import UserStore
from tests.identity_support import active_user
from tests.support import MONGODB, ServiceProcess, unique_email

PASSWORD = "Chimborazo-6310-Nevado"


@pytest.fixture
async def identity() -> AsyncIterator[ServiceProcess]:
    process = ServiceProcess("identity", OPERATOR_EMAIL="", OPERATOR_PASSWORD="")
    try:
        yield process
    finally:
        await process.stop_and_drop()


def key_file(directory: Path, name: str) -> tuple[SigningKey, str]:
    """A new key in a PEM file (what `openssl genpkey -algorithm ed25519` writes)."""
    key, path = SigningKey.generate(), directory / f"{name}.pem"
    path.write_bytes(key.private_pem())
    path.chmod(0o600)
    return key, str(path)


async def restart(
    identity: ServiceProcess, current: str, upcoming: str = "", old: str = ""
) -> None:
    """identity with these key files (a stage of the rotation), as a rollout restarts it."""
    identity.stop()
    identity.env |= {
        "SIGNING_KEY_PATH": current,
        "SIGNING_NEXT_KEY_PATH": upcoming,
        "SIGNING_PREVIOUS_KEY_PATH": old,
    }
    await identity.start()


async def active_customer(identity: ServiceProcess) -> tuple[str, str]:
    """(user id, email) of an active customer written straight into identity's database."""
    database = Database(MONGODB, identity.database, max_pool_size=1)
    email = unique_email("rotacion")
    user = active_user(email, await Argon2Passwords().hash(PASSWORD), given_names="Rosa")
    try:
        await UserStore(database).add(user)
    finally:
        await database.close()
    return user.user_id, email


async def log_in(client: httpx.AsyncClient, identity: ServiceProcess, email: str) -> str:
    answer = await client.post(
        f"{identity.url}/sessions", json={"email": email, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def me(client: httpx.AsyncClient, identity: ServiceProcess, token: str) -> int:
    answer = await client.get(f"{identity.url}/me", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code


async def published(client: httpx.AsyncClient, identity: ServiceProcess) -> list[str]:
    answer = await client.get(f"http://127.0.0.1:{identity.port}/.well-known/jwks.json")
    return [key["kid"] for key in answer.json()["keys"]]


def kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def test_tokens_of_the_old_key_stay_valid_until_it_is_dropped(
    identity: ServiceProcess, tmp_path: Path
) -> None:
    (a, a_pem), (b, b_pem) = key_file(tmp_path, "a"), key_file(tmp_path, "b")
    jwks_url = f"http://127.0.0.1:{identity.port}/.well-known/jwks.json"
    await restart(identity, current=a_pem)
    user_id, email = await active_customer(identity)
    async with httpx.AsyncClient(timeout=30) as client:
        old = await log_in(client, identity, email)
        assert kid(old) == a.kid and await published(client, identity) == [a.kid]

        # 1. B is published before it signs anything.
        await restart(identity, current=a_pem, upcoming=b_pem)
        assert await published(client, identity) == [a.kid, b.kid]
        assert kid(await log_in(client, identity, email)) == a.kid
        # A service that fetched the JWKS now (its cache lasts 5 minutes).
        early_keys = RemoteJwks(jwks_url)
        early = TokenVerifier(early_keys)
        assert (await early.verify(old)).user_id == user_id

        # 2. Promotion: B signs, A is still published.
        await restart(identity, current=b_pem, old=a_pem)
        assert await published(client, identity) == [b.kid, a.kid]
        new = await log_in(client, identity, email)
        assert kid(new) == b.kid
        assert await me(client, identity, old) == 200 and await me(client, identity, new) == 200
        started_now = jwks_verifier(jwks_url)  # a service that (re)started after the promotion
        for token in (old, new):
            assert (await started_now.verify(token)).user_id == user_id
        # The early service knew B before it signed: no refetch needed to accept its tokens.
        fetches = early_keys.fetches
        assert (await early.verify(new)).user_id == user_id and early_keys.fetches == fetches

        # 3. A is dropped (once the tokens it signed have expired): its tokens are refused.
        await restart(identity, current=b_pem)
        assert await published(client, identity) == [b.kid]
        assert await me(client, identity, old) == 401 and await me(client, identity, new) == 200
        with pytest.raises(ApiError) as refused:
            await jwks_verifier(jwks_url).verify(old)
        assert refused.value.status == 401
