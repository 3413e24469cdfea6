"""Argon2id password hashing (argon2-cffi), off the event loop: each hash costs ~20-50 ms and
19 MiB, so a semaphore bounds how many run at once (a burst of logins must not need 19 MiB each
at the same time)."""

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
# Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-but-equally-slow")


class Argon2Passwords:
    """The password hasher port; at most ``concurrency`` hashes or checks at a time (the rest
    wait their turn, in order)."""

    def __init__(self, concurrency: int = 2) -> None:
        self._slots = asyncio.Semaphore(concurrency)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(_HASHER.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(
                    password_hash
                )
            except (VerificationError, InvalidHashError):
                return False

        async with self._slots:
            return await asyncio.to_thread(check)

    def needs_rehash(self, password_hash: str) -> bool:
        return _HASHER.check_needs_rehash(password_hash)
