"""Domain events -> wire events (``common.contracts``): the one place identity names a topic.

The store calls :func:`to_wire` when it writes a user's outbox; the payloads are the contracts'
exactly (the notifier and the AsyncAPI document depend on them).
"""

from common.contracts import (
    ActivationRequested,
    Event,
    PasswordResetRequested,
    SessionsRevoked,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from common.contracts.identity import (
    SessionsRevokedData,
    TokenMailData,
    UserActivatedData,
    UserLockedOutData,
    UserProfile,
)
from identity.domain import events as domain


def to_wire(event: domain.DomainEvent) -> Event:
    match event:
        case domain.UserRegistered():
            return UserRegistered(data=_profile(event))
        case domain.UserActivated():
            return UserActivated(
                data=UserActivatedData(
                    user_id=event.user_id, email=event.email, activated_at=event.activated_at
                )
            )
        case domain.ActivationRequested():
            return ActivationRequested(data=_mail(event))
        case domain.PasswordResetRequested():
            return PasswordResetRequested(data=_mail(event))
        case domain.UserLockedOut():
            return UserLockedOut(
                data=UserLockedOutData(
                    user_id=event.user_id,
                    failed_attempts=event.failed_attempts,
                    locked_until=event.locked_until,
                )
            )
        case domain.SessionsRevoked():
            return SessionsRevoked(
                data=SessionsRevokedData(
                    user_id=event.user_id,
                    session_ids=list(event.session_ids),
                    all_before=event.all_before,
                    reason=event.reason,
                )
            )
    raise TypeError(f"no wire event for {type(event).__name__}")


def _profile(event: domain.UserRegistered) -> UserProfile:
    return UserProfile(
        user_id=event.user_id,
        email=event.email,
        given_names=event.given_names,
        surnames=event.surnames,
        id_type=event.id_type,
        id_number=event.id_number,
    )


def _mail(event: domain.LinkRequested) -> TokenMailData:
    return TokenMailData(
        user_id=event.user_id,
        email=event.email,
        given_names=event.given_names,
        surnames=event.surnames,
        token=event.token,
        link=event.link,
        expires_at=event.expires_at,
        reason=event.reason,
    )
