"""The lockout against a burst of parallel guesses, on the real FerretDB with real Argon2: each
attempt is counted before its password is checked, so at most the policy's number of wrong
passwords are ever verified, whatever the concurrency."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from common.errors import ApiError
from identity.adapters.passwords import Argon2Passwords
from identity.bootstrap import Identity, bootstrap
from identity.domain.users import User
from identity.settings import IdentitySettings
from identity.use_cases import sessions
from tests.identity_support import active_user
from tests.support import unique_email

PASSWORD = "Chimborazo-6310-Nevado"
BURST = 200


class CountingPasswords(Argon2Passwords):
    """Real Argon2; counts the checks made against a real hash (not the unknown-email dummy)."""

    def __init__(self) -> None:
        super().__init__()
        self.checked = 0

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is not None:
            self.checked += 1
        return await super().verify(password_hash, password)


@pytest.fixture
async def svc(settings: IdentitySettings) -> AsyncIterator[Identity]:
    # A lock longer than the burst takes (200 Argon2 checks, two at a time, on a busy machine).
    locking = settings.model_copy(update={"lockout_base_seconds": 900})
    service = bootstrap(locking, passwords=CountingPasswords())
    try:
        yield service
    finally:
        await service.runtime.database.close()


async def active_customer(svc: Identity) -> User:
    user = active_user(unique_email("bloqueo"), await svc.passwords.hash(PASSWORD))
    await svc.users.add(user)
    return user


async def answer(svc: Identity, email: str, password: str) -> int:
    try:
        await sessions.login(svc, email, password, datetime.now(UTC))
    except ApiError as refused:
        return refused.status
    return 200


async def test_a_burst_of_parallel_guesses_verifies_at_most_the_threshold(svc: Identity) -> None:
    user = await active_customer(svc)
    passwords = svc.passwords
    assert isinstance(passwords, CountingPasswords)
    statuses = await asyncio.gather(
        *(answer(svc, user.email, f"equivocada-{n}-xyz") for n in range(BURST))
    )
    verified = passwords.checked
    print(f"\n{verified} of {BURST} parallel wrong logins had their password verified")
    assert verified <= svc.policy.lockout_threshold
    assert 200 not in statuses
    stored = await svc.users.by_id(user.user_id)
    assert stored is not None and stored.is_locked(datetime.now(UTC))
    # The right password is refused while the lock lasts, and is not even checked.
    assert await answer(svc, user.email, PASSWORD) != 200
    assert passwords.checked == verified
