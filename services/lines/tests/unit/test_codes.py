"""The SMS code policy (docs/design.md §6): how codes are made, kept, checked and rationed."""

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import ApiError, Gone, InvalidInput, TooManyRequests
from lines.domain import codes
from lines.domain.codes import (
    IssuedCode,
    check_may_send,
    clean_code,
    daily_cap_reached,
    daily_caps,
    hash_code,
    new_code,
    resend_after,
    wrong_code,
)
from lines.domain.policy import Policy
from lines.settings import LinesSettings

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
POLICY = Policy()


def test_codes_are_six_digits_from_the_csprng(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []

    def randbelow(n: int) -> int:
        drawn.append(n)
        return 42

    monkeypatch.setattr(codes.secrets, "randbelow", randbelow)
    assert new_code() == "000042"
    assert drawn == [10**6]


def test_codes_vary() -> None:
    made = {new_code() for _ in range(50)}
    assert len(made) > 40 and all(len(c) == 6 and c.isdigit() for c in made)


def test_only_a_salted_hash_is_kept() -> None:
    issued, code = IssuedCode.issue(NOW, POLICY)
    assert code not in repr(issued)
    assert issued.matches(code) and not issued.matches(f"{(int(code) + 1) % 10**6:06d}")
    # The same code under another salt hashes differently: no table of the 10**6 codes helps.
    assert hash_code(code, secrets.token_hex(16)) != issued.code_hash


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    issued, code = IssuedCode.issue(NOW, POLICY)
    compared: list[tuple[str, str]] = []

    def compare_digest(a: str, b: str) -> bool:
        compared.append((a, b))
        return a == b

    monkeypatch.setattr(codes.hmac, "compare_digest", compare_digest)
    assert issued.matches(code)
    assert compared == [(issued.code_hash, hash_code(code, issued.salt))]


def test_a_code_lives_ten_minutes() -> None:
    issued, _ = IssuedCode.issue(NOW, POLICY)
    assert issued.expires_at == NOW + timedelta(minutes=10)
    issued.check_usable(NOW + timedelta(minutes=9, seconds=59), POLICY)
    with pytest.raises(Gone) as refused:
        issued.check_usable(NOW + timedelta(minutes=10), POLICY)
    assert refused.value.code == "code_expired"


def test_five_wrong_tries_use_a_code_up() -> None:
    issued, _ = IssuedCode.issue(NOW, POLICY)
    for _ in range(4):
        issued = issued.wrong_try()
    issued.check_usable(NOW, POLICY)
    issued = issued.wrong_try()
    with pytest.raises(Gone) as refused:
        issued.check_usable(NOW, POLICY)
    assert refused.value.code == "code_attempts_exhausted"


def test_wrong_code_answers_the_tries_left() -> None:
    error = wrong_code(3)
    assert isinstance(error, InvalidInput) and error.status == 422
    assert error.fields == {"code": "Código incorrecto. Te quedan 3 intentos."}
    assert error.extra == {"attempts_left": 3}
    assert (wrong_code(1).fields or {})["code"] == "Código incorrecto. Te queda 1 intento."
    last = wrong_code(0)
    assert (last.status, last.code) == (410, "code_attempts_exhausted")


@pytest.mark.parametrize(("typed", "clean"), [("123456", "123456"), (" 123 456 ", "123456")])
def test_a_code_as_typed(typed: str, clean: str) -> None:
    assert clean_code(typed) == clean


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", "", "١٢٣٤٥٦"])
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_code(typed)
    assert refused.value.fields == {"code": "El código tiene 6 dígitos."}


def test_sixty_seconds_between_two_codes() -> None:
    check_may_send([], NOW, POLICY)
    sent = [NOW]
    with pytest.raises(TooManyRequests) as refused:
        check_may_send(sent, NOW + timedelta(seconds=20), POLICY)
    assert (refused.value.code, refused.value.retry_after) == ("code_cooldown", 40)
    assert refused.value.headers == {"Retry-After": "40"}
    check_may_send(sent, NOW + timedelta(seconds=60), POLICY)
    assert resend_after(sent, NOW + timedelta(seconds=15), POLICY) == 45
    assert resend_after(sent, NOW + timedelta(seconds=61), POLICY) == 0


def test_five_codes_per_line_and_rolling_day() -> None:
    sent = [NOW + timedelta(minutes=10 * i) for i in range(5)]
    later = NOW + timedelta(hours=2)
    with pytest.raises(TooManyRequests) as refused:
        check_may_send(sent, later, POLICY)
    assert refused.value.code == "too_many_codes"
    # Until the first of the five is a day old.
    assert refused.value.retry_after == int(timedelta(hours=22).total_seconds())
    check_may_send(sent, NOW + timedelta(days=1), POLICY)


def test_daily_caps_per_destination_user_and_prefix() -> None:
    caps = daily_caps("+593991234567", "+59399123", "user-1", NOW, POLICY)
    assert [(c.key, c.day, c.limit) for c in caps] == [
        ("number:+593991234567:2026-03-10", "2026-03-10", 10),
        ("user:user-1:2026-03-10", "2026-03-10", 20),
        ("prefix:+59399123:2026-03-10", "2026-03-10", 100),
    ]
    assert caps[0].allows(10) and not caps[0].allows(11)
    late = datetime(2026, 3, 10, 23, 59, tzinfo=UTC)
    assert daily_caps("+593991234567", "+59399123", "u", late, POLICY)[0].day == "2026-03-10"


def test_a_cap_reached_waits_until_the_next_utc_day() -> None:
    error: ApiError = daily_cap_reached(datetime(2026, 3, 10, 22, 30, tzinfo=UTC))
    assert (error.status, error.code) == (429, "daily_limit_reached")
    assert error.headers == {"Retry-After": str(90 * 60)}


def test_the_settings_shape_the_policy() -> None:
    policy = LinesSettings(
        code_ttl_seconds=300, sms_daily_cap_per_prefix=7, lines_allow_shared=True
    ).policy()
    assert policy.code_ttl == timedelta(minutes=5)
    assert (policy.daily_cap_per_prefix, policy.allow_shared) == (7, True)
    assert Policy() == LinesSettings().policy()
