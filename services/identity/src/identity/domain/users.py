"""The User aggregate: registration, activation, login failures, password resets.

Methods change state and append domain events (``domain/events.py``) to ``events``; the store
writes both in one document update (outbox), mapping the events to wire events on the way.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from identity.domain.events import (
    ActivationRequested,
    DomainEvent,
    LinkReason,
    LinkRequested,
    PasswordResetRequested,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from identity.domain.policy import Policy
from identity.domain.tokens import IssuedToken, TokenError, TokenProblem, find_token
from identity.domain.validation import ValidRegistration

Mail = TypeVar("Mail", bound=LinkRequested)


class Status(StrEnum):
    PENDING_ACTIVATION = "pending_activation"
    ACTIVE = "active"


@dataclass
class User:
    user_id: str
    email: str
    email_key: str
    given_names: str
    surnames: str
    id_type: str | None
    id_number: str | None
    password_hash: str
    created_at: datetime
    status: Status = Status.PENDING_ACTIVATION
    roles: list[str] = field(default_factory=lambda: ["customer"])
    terms_version: str | None = None
    terms_accepted_at: datetime | None = None
    activated_at: datetime | None = None
    # Login attempts counted since the last right password, and the lock: the store changes
    # these two with atomic writes of their own (ports.UserRepository), never through ``save``.
    failed_logins: int = 0
    locked_until: datetime | None = None
    activation_tokens: list[IssuedToken] = field(default_factory=list)
    reset_tokens: list[IssuedToken] = field(default_factory=list)
    # When links were emailed, per kind: each kind has its own cooldown and daily cap.
    activation_sent_at: list[datetime] = field(default_factory=list)
    reset_sent_at: list[datetime] = field(default_factory=list)
    version: int = 0
    events: list[DomainEvent] = field(default_factory=list, compare=False)

    # --- sign-up and activation -------------------------------------------------------------

    @classmethod
    def register(
        cls,
        user_id: str,
        form: ValidRegistration,
        password_hash: str,
        now: datetime,
        policy: Policy,
        portal_url: str,
    ) -> "User":
        user = cls(
            user_id=user_id,
            email=form.email,
            email_key=form.email_key,
            given_names=form.given_names,
            surnames=form.surnames,
            id_type=form.id_type,
            id_number=form.id_number,
            password_hash=password_hash,
            created_at=now,
            terms_version=policy.terms_version,
            terms_accepted_at=now,
        )
        user.events.append(user._registered())
        user._send_activation_link(now, policy, portal_url, "registration")
        return user

    def _registered(self) -> UserRegistered:
        return UserRegistered(
            user_id=self.user_id,
            email=self.email,
            given_names=self.given_names,
            surnames=self.surnames,
            id_type="passport" if self.id_type == "passport" else "cedula",
            id_number=self.id_number or "",
        )

    def resend_activation(self, now: datetime, policy: Policy, portal_url: str) -> bool:
        """Send a new activation link unless active or throttled (the caller answers 202 anyway)."""
        if self.status is not Status.PENDING_ACTIVATION:
            return False
        if not may_send_link(self.activation_sent_at, now, policy):
            return False
        self._send_activation_link(now, policy, portal_url, "resend")
        return True

    def activate(self, secret: str, now: datetime) -> None:
        index = find_token(self.activation_tokens, secret)
        token = self.activation_tokens[index]
        if self.status is Status.ACTIVE:
            raise TokenError(TokenProblem.USED)
        token.check(now)
        self.activation_tokens[index] = token.use(now)
        self.status, self.activated_at = Status.ACTIVE, now
        self.events.append(UserActivated(self.user_id, self.email, activated_at=now))

    def _send_activation_link(
        self, now: datetime, policy: Policy, portal_url: str, reason: LinkReason
    ) -> None:
        token, secret = IssuedToken.issue(now, policy.activation_ttl)
        self.activation_tokens = _keep(self.activation_tokens, token, policy)
        self.activation_sent_at = _sent(self.activation_sent_at, now)
        link = f"{portal_url.rstrip('/')}/activar?token={secret}"
        self.events.append(self._mail(ActivationRequested, secret, link, token, reason))

    def _mail(
        self, kind: type[Mail], secret: str, link: str, token: IssuedToken, reason: LinkReason
    ) -> Mail:
        return kind(
            user_id=self.user_id,
            email=self.email,
            given_names=self.given_names,
            surnames=self.surnames,
            token=secret,
            link=link,
            expires_at=token.expires_at,
            reason=reason,
        )

    # --- login --------------------------------------------------------------------------------

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def locked_out(self, failures: int, locked_until: datetime) -> None:
        """The attempt that locked the account (counted by the store) was wrong: say so."""
        self.failed_logins, self.locked_until = failures, locked_until
        self.events.append(UserLockedOut(self.user_id, failures, locked_until))

    def login_succeeded(self) -> None:
        self.failed_logins, self.locked_until = 0, None

    # --- password reset -----------------------------------------------------------------------

    def request_password_reset(self, now: datetime, policy: Policy, portal_url: str) -> bool:
        if not may_send_link(self.reset_sent_at, now, policy):
            return False
        token, secret = IssuedToken.issue(now, policy.reset_ttl)
        self.reset_tokens = _keep(self.reset_tokens, token, policy)
        self.reset_sent_at = _sent(self.reset_sent_at, now)
        link = f"{portal_url.rstrip('/')}/restablecer?token={secret}"
        self.events.append(
            self._mail(PasswordResetRequested, secret, link, token, "password_reset")
        )
        return True

    def check_reset_token(self, secret: str, now: datetime) -> int:
        index = find_token(self.reset_tokens, secret)
        self.reset_tokens[index].check(now)
        return index

    def reset_password(self, secret: str, password_hash: str, now: datetime) -> None:
        index = self.check_reset_token(secret, now)
        self.reset_tokens[index] = self.reset_tokens[index].use(now)
        self.password_hash = password_hash
        self.login_succeeded()


def _keep(tokens: list[IssuedToken], new: IssuedToken, policy: Policy) -> list[IssuedToken]:
    """A new link supersedes the older ones: they stay only to be recognised, marked used."""
    retired = [t if t.used_at else replace(t, used_at=new.issued_at) for t in tokens]
    return [*retired, new][-policy.kept_tokens :]


def may_send_link(sent_at: list[datetime], now: datetime, policy: Policy) -> bool:
    """Cooldown since the last email of this kind, and a cap per rolling day."""
    recent = [t for t in sent_at if now - t < timedelta(days=1)]
    if len(recent) >= policy.link_daily_cap:
        return False
    return not recent or now - max(recent) >= policy.link_cooldown


def _sent(sent_at: list[datetime], now: datetime) -> list[datetime]:
    return [t for t in sent_at if now - t < timedelta(days=1)] + [now]
