"""Events published by identity."""

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel

from common.contracts.base import Event


class _IdentityEvent(Event):
    source: ClassVar[str] = "identity"


class UserProfile(BaseModel):
    user_id: str
    email: str
    given_names: str
    surnames: str
    id_type: Literal["cedula", "passport"]
    id_number: str


class UserRegistered(_IdentityEvent):
    """A person signed up; the account is pending activation. Carries no token."""

    topic: ClassVar[str] = "identity.user-registered"
    event_type: Literal["identity.user_registered"] = "identity.user_registered"
    data: UserProfile

    def key(self) -> str:
        return self.data.user_id


class UserActivatedData(BaseModel):
    user_id: str
    email: str
    activated_at: datetime


class UserActivated(_IdentityEvent):
    """The person followed the activation link; the account can log in."""

    topic: ClassVar[str] = "identity.user-activated"
    event_type: Literal["identity.user_activated"] = "identity.user_activated"
    data: UserActivatedData

    def key(self) -> str:
        return self.data.user_id


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


class ActivationRequested(_IdentityEvent):
    """Send the activation link (at sign-up, reason 'registration', and on resend)."""

    topic: ClassVar[str] = "identity.activation-requested"
    sensitive: ClassVar[bool] = True
    event_type: Literal["identity.activation_requested"] = "identity.activation_requested"
    data: TokenMailData

    def key(self) -> str:
        return self.data.user_id


class PasswordResetRequested(_IdentityEvent):
    """Send a password-reset link."""

    topic: ClassVar[str] = "identity.password-reset-requested"
    sensitive: ClassVar[bool] = True
    event_type: Literal["identity.password_reset_requested"] = "identity.password_reset_requested"
    data: TokenMailData

    def key(self) -> str:
        return self.data.user_id


class UserLockedOutData(BaseModel):
    user_id: str
    failed_attempts: int
    locked_until: datetime


class UserLockedOut(_IdentityEvent):
    """Too many failed logins in a row: login is refused until ``locked_until``."""

    topic: ClassVar[str] = "identity.user-locked-out"
    event_type: Literal["identity.user_locked_out"] = "identity.user_locked_out"
    data: UserLockedOutData

    def key(self) -> str:
        return self.data.user_id
