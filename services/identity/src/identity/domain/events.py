"""What happened to a user, as the domain says it: plain data, no transport.

``identity.events`` maps each of these to its wire event (``common.contracts``) when the store
writes the outbox; the fields here are exactly what those payloads need.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

IdType = Literal["cedula", "passport"]
LinkReason = Literal["registration", "resend", "password_reset"]


@dataclass(frozen=True)
class UserRegistered:
    """A person signed up; the account is pending activation. Carries no token."""

    user_id: str
    email: str
    given_names: str
    surnames: str
    id_type: IdType
    id_number: str


@dataclass(frozen=True)
class UserActivated:
    user_id: str
    email: str
    activated_at: datetime


@dataclass(frozen=True)
class LinkRequested:
    """Email a single-use link; ``token`` is the secret (only its hash stays on the user)."""

    user_id: str
    email: str
    given_names: str
    surnames: str
    token: str
    link: str
    expires_at: datetime
    reason: LinkReason


@dataclass(frozen=True)
class ActivationRequested(LinkRequested):
    """Send the activation link (at sign-up, reason 'registration', and on resend)."""


@dataclass(frozen=True)
class PasswordResetRequested(LinkRequested):
    """Send a password-reset link."""


@dataclass(frozen=True)
class UserLockedOut:
    user_id: str
    failed_attempts: int
    locked_until: datetime


RevocationReason = Literal[
    "logout", "password_reset", "password_change", "refresh_reuse", "operator"
]


@dataclass(frozen=True)
class SessionsRevoked:
    """Sessions ended before their tokens expire: services that verify tokens must know now.
    ``session_ids`` names them; ``all_before`` ends every session of the user started before."""

    user_id: str
    session_ids: tuple[str, ...]
    all_before: datetime | None
    reason: RevocationReason


DomainEvent = (
    UserRegistered
    | UserActivated
    | ActivationRequested
    | PasswordResetRequested
    | UserLockedOut
    | SessionsRevoked
)
