"""Events published by identity."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from common.contracts.base import Event


class IdentityEvent(Event, source="identity"):
    """Published by identity."""


class UserProfile(BaseModel):
    user_id: str
    email: str
    given_names: str
    surnames: str
    id_type: Literal["cedula", "passport"]
    id_number: str


class UserRegistered(IdentityEvent, key="user_id"):
    """A person signed up; the account is pending activation. Carries no token."""

    data: UserProfile


class UserActivatedData(BaseModel):
    user_id: str
    email: str
    activated_at: datetime


class UserActivated(IdentityEvent, key="user_id"):
    """The person followed the activation link; the account can log in."""

    data: UserActivatedData


class TokenMailData(BaseModel):
    """What the notifier needs to email a single-use link; ``token`` is a secret."""

    user_id: str
    email: str
    given_names: str
    surnames: str
    token: str
    link: str
    expires_at: datetime
    reason: Literal["registration", "resend", "password_reset"]


class ActivationRequested(IdentityEvent, key="user_id", sensitive=True):
    """Send the activation link (at sign-up, reason 'registration', and on resend)."""

    data: TokenMailData


class PasswordResetRequested(IdentityEvent, key="user_id", sensitive=True):
    """Send a password-reset link."""

    data: TokenMailData


class UserLockedOutData(BaseModel):
    user_id: str
    failed_attempts: int
    locked_until: datetime


class UserLockedOut(IdentityEvent, key="user_id"):
    """Too many failed logins in a row: login is refused until ``locked_until``."""

    data: UserLockedOutData


class SessionsRevokedData(BaseModel):
    """Sessions whose access tokens must stop working now, not when they expire."""

    user_id: str
    # These sessions; empty with ``all_before`` set: every session of the user started before.
    session_ids: list[str] = []
    all_before: datetime | None = None
    reason: Literal["logout", "password_reset", "password_change", "refresh_reuse", "operator"]


class SessionsRevoked(IdentityEvent, key="user_id"):
    """A logout, a password change or reset, or a reused refresh token: services that verify
    access tokens refuse the sessions' tokens from now on (common/revocations.py)."""

    data: SessionsRevokedData
