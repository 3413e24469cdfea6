"""The User aggregate: activation links, lockout with backoff, password reset; and refresh rules."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from identity.domain.events import (
    ActivationRequested,
    PasswordResetRequested,
    UserActivated,
    UserLockedOut,
    UserRegistered,
)
from identity.domain.lockout import AttemptPlan, lock_duration, plan_attempt
from identity.domain.policy import Policy
from identity.domain.sessions import RefreshToken, RefreshVerdict, SessionFamily, judge_refresh
from identity.domain.tokens import TokenError, TokenProblem, hash_secret
from identity.domain.users import Status, User
from identity.domain.validation import ValidRegistration

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = Policy()
PORTAL = "http://127.0.0.1:8080"


def new_user() -> User:
    form = ValidRegistration(
        email="ana@correo.com",
        email_key="ana@correo.com",
        given_names="Ana",
        surnames="Quispe",
        id_type="cedula",
        id_number="1714307103",
        password="irrelevant-here",
    )
    return User.register("u1", form, "argon2-hash", T0, POLICY, PORTAL)


def token_from(event: ActivationRequested | PasswordResetRequested) -> str:
    return parse_qs(urlparse(event.link).query)["token"][0]


def test_registration_raises_profile_and_activation_events() -> None:
    user = new_user()
    registered, activation = user.events
    assert isinstance(registered, UserRegistered) and registered.email == "ana@correo.com"
    # tokens only on their own topic (the wire payload is checked in test_events.py)
    assert "token" not in vars(registered)
    assert isinstance(activation, ActivationRequested)
    assert activation.reason == "registration"
    assert activation.link.startswith(f"{PORTAL}/activar?token=")
    assert activation.expires_at == T0 + timedelta(hours=24)
    assert user.terms_version == POLICY.terms_version and user.terms_accepted_at == T0


def test_token_is_long_and_stored_hashed() -> None:
    user = new_user()
    secret = token_from(user.events[1])  # type: ignore[arg-type]
    assert len(secret) >= 43  # 256 bits in URL-safe base64
    assert user.activation_tokens[0].token_hash == hash_secret(secret)
    assert secret not in repr(user.activation_tokens)


def test_activation_is_single_use() -> None:
    user = new_user()
    secret = token_from(user.events[1])  # type: ignore[arg-type]
    user.events.clear()
    user.activate(secret, T0 + timedelta(hours=1))
    assert user.status is Status.ACTIVE
    assert isinstance(user.events[0], UserActivated)
    with pytest.raises(TokenError) as used:
        user.activate(secret, T0 + timedelta(hours=2))
    assert used.value.problem is TokenProblem.USED


def test_activation_expires_after_24_hours() -> None:
    user = new_user()
    secret = token_from(user.events[1])  # type: ignore[arg-type]
    with pytest.raises(TokenError) as expired:
        user.activate(secret, T0 + timedelta(hours=24))
    assert expired.value.problem is TokenProblem.EXPIRED
    assert user.status is Status.PENDING_ACTIVATION


def test_unknown_token() -> None:
    with pytest.raises(TokenError) as unknown:
        new_user().activate("not-a-token", T0)
    assert unknown.value.problem is TokenProblem.UNKNOWN


def test_resend_cooldown_daily_cap_and_supersedes_old_link() -> None:
    user = new_user()
    first = token_from(user.events[1])  # type: ignore[arg-type]
    assert not user.resend_activation(T0 + timedelta(seconds=59), POLICY, PORTAL)
    assert user.resend_activation(T0 + timedelta(seconds=60), POLICY, PORTAL)
    with pytest.raises(TokenError) as old:
        user.activate(first, T0 + timedelta(seconds=61))
    assert old.value.problem is TokenProblem.USED  # superseded links count as used
    sent = [T0 + timedelta(seconds=60)]
    t = sent[0]
    while user.resend_activation(t := t + timedelta(minutes=2), POLICY, PORTAL):
        sent.append(t)
    assert len(sent) + 1 == POLICY.link_daily_cap  # the sign-up email counts too
    assert user.resend_activation(T0 + timedelta(days=1, minutes=1), POLICY, PORTAL)


def test_no_resend_once_active() -> None:
    user = new_user()
    user.activate(token_from(user.events[1]), T0)  # type: ignore[arg-type]
    assert not user.resend_activation(T0 + timedelta(hours=1), POLICY, PORTAL)


def test_lockout_after_five_failures_growing_never_permanent() -> None:
    assert [lock_duration(n, POLICY) for n in range(1, 5)] == [None] * 4
    assert lock_duration(5, POLICY) == timedelta(seconds=30)
    assert lock_duration(6, POLICY) == timedelta(seconds=60)
    assert lock_duration(7, POLICY) == timedelta(seconds=120)
    assert lock_duration(1000, POLICY) == POLICY.lockout_max


def test_attempts_below_the_threshold_are_counted_over_a_range() -> None:
    # Parallel attempts all take this plan: any count in the range gives the same outcome.
    for failures in range(4):
        assert plan_attempt(failures, None, T0, POLICY) == AttemptPlan(0, 3, None)


def test_the_attempt_that_reaches_the_threshold_locks_before_it_is_checked() -> None:
    assert plan_attempt(4, None, T0, POLICY) == AttemptPlan(4, 4, T0 + timedelta(seconds=30))
    # After the lock, the next attempt locks again, twice as long.
    after = T0 + timedelta(seconds=30)
    assert plan_attempt(5, T0 + timedelta(seconds=30), after, POLICY) == AttemptPlan(
        5, 5, after + timedelta(seconds=60)
    )


def test_no_attempt_while_locked_and_locks_keep_milliseconds() -> None:
    assert plan_attempt(5, T0 + timedelta(seconds=1), T0, POLICY) is None
    odd = T0 + timedelta(microseconds=123456)
    plan = plan_attempt(4, None, odd, POLICY)
    assert plan is not None and plan.lock_until == T0 + timedelta(seconds=30, microseconds=123000)


def test_a_lockout_is_told_and_a_success_forgets_it() -> None:
    user = new_user()
    user.events.clear()
    user.locked_out(5, T0 + timedelta(seconds=30))
    assert user.is_locked(T0 + timedelta(seconds=29))
    assert not user.is_locked(T0 + timedelta(seconds=30))
    assert user.events == [UserLockedOut(user.user_id, 5, T0 + timedelta(seconds=30))]
    user.login_succeeded()
    assert user.failed_logins == 0 and not user.is_locked(T0)


def test_password_reset_flow() -> None:
    user = new_user()
    user.locked_out(5, T0 + timedelta(seconds=30))
    assert user.request_password_reset(T0 + timedelta(minutes=5), POLICY, PORTAL)
    event = user.events[-1]
    assert isinstance(event, PasswordResetRequested)
    assert event.link.startswith(f"{PORTAL}/restablecer?token=")
    secret = token_from(event)
    with pytest.raises(TokenError):
        user.reset_password("wrong", "new-hash", T0 + timedelta(minutes=6))
    user.reset_password(secret, "new-hash", T0 + timedelta(minutes=6))
    assert user.password_hash == "new-hash" and user.failed_logins == 0
    with pytest.raises(TokenError) as again:
        user.reset_password(secret, "other", T0 + timedelta(minutes=7))
    assert again.value.problem is TokenProblem.USED


def test_reset_link_expires() -> None:
    user = new_user()
    user.request_password_reset(T0 + timedelta(minutes=5), POLICY, PORTAL)
    secret = token_from(user.events[-1])  # type: ignore[arg-type]
    with pytest.raises(TokenError) as expired:
        user.reset_password(secret, "h", T0 + timedelta(minutes=5) + POLICY.reset_ttl)
    assert expired.value.problem is TokenProblem.EXPIRED


FAMILY = SessionFamily("f1", "u1", T0)
TOKEN = RefreshToken("h1", "f1", "u1", T0 + timedelta(days=30))


@pytest.mark.parametrize(
    ("token", "family", "at", "verdict"),
    [
        (TOKEN, FAMILY, T0, RefreshVerdict.ROTATE),
        (None, FAMILY, T0, RefreshVerdict.UNKNOWN),
        (TOKEN, None, T0, RefreshVerdict.UNKNOWN),
        (TOKEN, FAMILY, T0 + timedelta(days=30), RefreshVerdict.EXPIRED),
        (
            RefreshToken("h1", "f1", "u1", T0 + timedelta(days=1), used_at=T0),
            FAMILY,
            T0,
            RefreshVerdict.REUSED,
        ),
        (TOKEN, SessionFamily("f1", "u1", T0, revoked_at=T0), T0, RefreshVerdict.REVOKED),
    ],
)
def test_refresh_verdicts(
    token: RefreshToken | None, family: SessionFamily | None, at: datetime, verdict: RefreshVerdict
) -> None:
    assert judge_refresh(token, family, at) is verdict


def test_reset_link_has_its_own_cooldown() -> None:
    user = new_user()  # the activation email was just sent
    assert user.request_password_reset(T0 + timedelta(seconds=1), POLICY, PORTAL)
    assert not user.request_password_reset(T0 + timedelta(seconds=30), POLICY, PORTAL)
    assert not user.resend_activation(T0 + timedelta(seconds=30), POLICY, PORTAL)
