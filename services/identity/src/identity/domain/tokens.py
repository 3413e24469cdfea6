"""Single-use secrets (activation, password reset, refresh): only their hash is stored."""

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum


def new_secret() -> str:
    """256 random bits, URL-safe (the issue asks for at least 128)."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # A fast hash is enough: the secrets are random and long, unlike passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenProblem(Enum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class TokenError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class IssuedToken:
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(cls, now: datetime, ttl: timedelta) -> tuple["IssuedToken", str]:
        secret = new_secret()
        return cls(hash_secret(secret), now, now + ttl), secret

    def check(self, now: datetime) -> None:
        if self.used_at is not None:
            raise TokenError(TokenProblem.USED)
        if now >= self.expires_at:
            raise TokenError(TokenProblem.EXPIRED)

    def use(self, now: datetime) -> "IssuedToken":
        return replace(self, used_at=now)


def find_token(tokens: list[IssuedToken], secret: str) -> int:
    """Index of the token matching ``secret``; raises UNKNOWN when none does."""
    wanted = hash_secret(secret)
    for index, token in enumerate(tokens):
        if secrets.compare_digest(token.token_hash, wanted):
            return index
    raise TokenError(TokenProblem.UNKNOWN)
