"""The Argon2id adapter behind the password hasher port (the other unit tests use a fake)."""

from argon2 import PasswordHasher

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
