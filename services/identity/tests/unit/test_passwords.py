"""The Argon2id adapter behind the password hasher port (the other unit tests use a fake)."""

import asyncio
import threading
import time

import pytest
from argon2 import PasswordHasher

from identity.adapters import passwords
from identity.adapters.passwords import Argon2Passwords

PASSWORDS = Argon2Passwords()


async def test_hash_verify_and_current_parameters() -> None:
    hashed = await PASSWORDS.hash("Chimborazo-6310-Nevado")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await PASSWORDS.verify(hashed, "Chimborazo-6310-Nevado")
    assert not await PASSWORDS.verify(hashed, "otra-clave-123")
    assert not PASSWORDS.needs_rehash(hashed)


async def test_no_hash_or_a_broken_hash_never_verifies() -> None:
    # An unknown email is checked against a dummy hash (same time), and still fails.
    assert not await PASSWORDS.verify(None, "not-a-real-password-but-equally-slow")
    assert not await PASSWORDS.verify("not-a-hash", "x")


async def test_weaker_parameters_need_a_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("clave")
    assert await PASSWORDS.verify(old, "clave")
    assert PASSWORDS.needs_rehash(old)


class SlowHasher:
    """Stands in for argon2's hasher: records how many checks run at the same time."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        return False


async def test_at_most_the_configured_number_of_checks_run_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = SlowHasher()
    monkeypatch.setattr(passwords, "_HASHER", slow)
    bounded = Argon2Passwords(concurrency=2)
    await asyncio.gather(*(bounded.verify("h", "x") for _ in range(12)))
    assert slow.most == 2
