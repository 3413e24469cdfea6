"""Refresh-token rotation with reuse detection (OAuth 2.0 Security BCP §4.14).

Each login starts a family; each refresh uses up the presented token and issues the next one in
the same family. Presenting a token that was already used means it leaked: the whole family is
revoked, so both the thief and the user must log in again.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class RefreshVerdict(Enum):
    ROTATE = "rotate"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REUSED = "reused"


@dataclass(frozen=True)
class RefreshToken:
    token_hash: str
    family_id: str
    user_id: str
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class SessionFamily:
    family_id: str
    user_id: str
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


def judge_refresh(
    token: RefreshToken | None, family: SessionFamily | None, now: datetime
) -> RefreshVerdict:
    if token is None or family is None:
        return RefreshVerdict.UNKNOWN
    if family.revoked_at is not None:
        return RefreshVerdict.REVOKED
    if token.used_at is not None:
        return RefreshVerdict.REUSED
    if now >= token.expires_at:
        return RefreshVerdict.EXPIRED
    return RefreshVerdict.ROTATE
