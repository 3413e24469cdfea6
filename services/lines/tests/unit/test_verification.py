"""The use cases of "GENERAR", a new code and "Aceptar", on the fakes."""

from datetime import date, timedelta

import pytest

from common.errors import ApiError, Conflict, Gone, InvalidInput, NotFound, TooManyRequests
from lines.bootstrap import Lines
from lines.domain.directory import Subscription
from lines.domain.events import LineRegistered, LineRemoved
from lines.domain.lines import Status
from lines.use_cases.verification import request_line, resend_code, verify
from services.lines.tests.unit.fakes import (
    CONTACT,
    FIXED,
    MOBILE,
    NOW,
    Fakes,
    subscription,
)

LATER = NOW + timedelta(seconds=61)


async def test_generar_sends_the_code_to_the_mobile_line(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    sent = await request_line(svc, "user-1", "movil", "099 123 4567", NOW)
    assert (sent.line.number, sent.line.status) == (MOBILE, Status.PENDING)
    assert (sent.sent_to, sent.resend_after, sent.expires_in) == ("09•••••567", 60, 600)
    (sms,) = fakes.sms()
    assert (sms.destination, sms.line_id, sms.user_id) == (MOBILE, sent.line.line_id, "user-1")


async def test_a_fixed_line_code_goes_to_the_contact_mobile(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe(subscription(FIXED, "internet"))
    sent = await request_line(svc, "user-1", "internet", "(02) 234-5678", NOW)
    assert sent.sent_to == "09•••••321"
    assert fakes.sms()[0].destination == CONTACT


@pytest.mark.parametrize(
    "known",
    [
        None,  # not the operator's
        subscription(end_date=date(2026, 3, 9)),  # ended yesterday
        subscription(start_date=date(2026, 3, 11)),  # starts tomorrow
    ],
)
async def test_only_an_active_subscriber_gets_a_code(
    fakes: Fakes, svc: Lines, known: Subscription | None
) -> None:
    if known is not None:
        await fakes.subscribe(known)
    with pytest.raises(ApiError) as refused:
        await request_line(svc, "user-1", "movil", "0991234567", NOW)
    assert (refused.value.status, refused.value.code) == (422, "not_a_subscriber")
    assert "Móvil" in (refused.value.fields or {})["number"]
    assert fakes.sms() == [] and fakes.counters.counts == {}


async def test_the_number_must_be_of_that_service_type(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe(subscription(FIXED, "fijo"))
    with pytest.raises(ApiError) as refused:
        await request_line(svc, "user-1", "tv", "022345678", NOW)
    assert refused.value.code == "not_a_subscriber" and fakes.sms() == []


async def test_a_bad_number_is_refused_before_anything(fakes: Fakes, svc: Lines) -> None:
    with pytest.raises(InvalidInput) as refused:
        await request_line(svc, "user-1", "movil", "(02) 234-5678", NOW)
    assert set(refused.value.fields or {}) == {"number"}


async def test_generar_again_resends_on_the_same_line(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    first = await request_line(svc, "user-1", "movil", "0991234567", NOW)
    with pytest.raises(TooManyRequests) as refused:
        await request_line(svc, "user-1", "movil", "0991234567", NOW + timedelta(seconds=30))
    assert refused.value.headers == {"Retry-After": "30"}
    again = await request_line(svc, "user-1", "movil", "0991234567", LATER)
    assert again.line.line_id == first.line.line_id
    assert [s.send_number for s in fakes.sms()] == [1, 2]
    assert len(fakes.lines.rows) == 1


async def test_generar_for_a_verified_line_is_a_conflict(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    sent = await request_line(svc, "user-1", "movil", "0991234567", NOW)
    await verify(svc, "user-1", sent.line.line_id, fakes.sms()[-1].code, NOW)
    with pytest.raises(Conflict) as refused:
        await request_line(svc, "user-1", "movil", "0991234567", LATER)
    assert refused.value.code == "already_registered"
    assert len(fakes.sms()) == 1


async def test_a_racing_generar_goes_on_with_the_line_that_won(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    sent = await request_line(svc, "user-1", "movil", "0991234567", NOW)
    fakes.lines.conflicts = 1
    again = await request_line(svc, "user-1", "movil", "0991234567", LATER)
    assert again.line.line_id == sent.line.line_id and len(fakes.sms()) == 2


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("sms_daily_cap_per_number", 2),
        ("sms_daily_cap_per_user", 2),
        ("sms_daily_cap_per_prefix", 2),
    ],
)
async def test_daily_caps_refuse_before_sending(setting: str, value: int) -> None:
    fakes = Fakes()
    fakes.settings = fakes.settings.model_copy(update={setting: value})
    svc = fakes.service()
    # Three users, numbers sharing a prefix, one contact mobile: each cap can be the one hit.
    numbers = ["0991234567", "0991234568", "0991234569"]
    for number in numbers:
        await fakes.subscribe(subscription(f"+593{number[1:]}"))
    users = ["u1", "u1", "u1"] if setting == "sms_daily_cap_per_user" else ["u1", "u2", "u3"]
    if setting == "sms_daily_cap_per_number":
        users, numbers = ["u1", "u2", "u3"], [numbers[0]] * 3
    for user, number in zip(users[:2], numbers[:2], strict=True):
        await request_line(svc, user, "movil", number, NOW)
    before = dict(fakes.counters.counts)
    with pytest.raises(TooManyRequests) as refused:
        await request_line(svc, users[2], "movil", numbers[2], NOW)
    assert refused.value.code == "daily_limit_reached"
    assert refused.value.headers == {"Retry-After": str(9 * 3600)}  # until 00:00 UTC
    assert len(fakes.sms()) == 2
    # Nothing stays reserved for the refused SMS.
    assert {k: v for k, v in fakes.counters.counts.items() if v} == before


async def test_caps_count_per_utc_day(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    await request_line(svc, "user-1", "movil", "0991234567", NOW)
    assert fakes.counters.counts == {
        "number:+593991234567:2026-03-10": 1,
        "user:user-1:2026-03-10": 1,
        "prefix:+59399123:2026-03-10": 1,
    }


async def test_resend_gives_a_new_code_and_voids_the_old(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = (await request_line(svc, "user-1", "movil", "0991234567", NOW)).line.line_id
    old = fakes.sms()[0].code
    with pytest.raises(TooManyRequests):
        await resend_code(svc, "user-1", line_id, NOW + timedelta(seconds=59))
    sent = await resend_code(svc, "user-1", line_id, LATER)
    assert (sent.sent_to, sent.resend_after, sent.expires_in) == ("09•••••567", 60, 600)
    new = fakes.sms()[1].code
    if new != old:
        with pytest.raises(InvalidInput):
            await verify(svc, "user-1", line_id, old, LATER)
    assert (await verify(svc, "user-1", line_id, new, LATER)).status is Status.VERIFIED


async def test_five_codes_per_line_and_day(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = (await request_line(svc, "user-1", "movil", "0991234567", NOW)).line.line_id
    for minute in range(1, 5):
        await resend_code(svc, "user-1", line_id, NOW + timedelta(minutes=minute))
    with pytest.raises(TooManyRequests) as refused:
        await resend_code(svc, "user-1", line_id, NOW + timedelta(minutes=5))
    assert refused.value.code == "too_many_codes" and len(fakes.sms()) == 5


async def test_wrong_codes_are_counted_and_saved(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = (await request_line(svc, "user-1", "movil", "0991234567", NOW)).line.line_id
    wrong = f"{(int(fakes.sms()[0].code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(InvalidInput) as refused:
            await verify(svc, "user-1", line_id, wrong, NOW)
        assert refused.value.extra == {"attempts_left": left}
    with pytest.raises(Gone) as exhausted:
        await verify(svc, "user-1", line_id, wrong, NOW)
    assert exhausted.value.code == "code_attempts_exhausted"
    with pytest.raises(Gone):
        await verify(svc, "user-1", line_id, fakes.sms()[0].code, NOW)
    stored = fakes.lines.rows[line_id]
    assert stored.code is not None and stored.code.wrong_attempts == 5


async def test_an_expired_code(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = (await request_line(svc, "user-1", "movil", "0991234567", NOW)).line.line_id
    with pytest.raises(Gone) as refused:
        await verify(svc, "user-1", line_id, fakes.sms()[0].code, NOW + timedelta(minutes=11))
    assert refused.value.code == "code_expired"


async def test_aceptar_registers_the_line_with_its_account(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe(subscription(account_id="acc-9"))
    line_id = (await request_line(svc, "user-1", "movil", "0991234567", NOW)).line.line_id
    fakes.lines.conflicts = 1  # a concurrent save: reloaded and checked again, counted once
    line = await verify(svc, "user-1", line_id, fakes.sms()[0].code, NOW)
    assert line.status is Status.VERIFIED
    (registered,) = fakes.lines.events_of(LineRegistered)
    assert (registered.line_id, registered.account_id) == (line_id, "acc-9")


async def test_another_users_line_is_not_found(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    line_id = (await request_line(svc, "user-1", "movil", "0991234567", NOW)).line.line_id
    with pytest.raises(NotFound):
        await verify(svc, "user-2", line_id, fakes.sms()[0].code, NOW)
    with pytest.raises(NotFound):
        await resend_code(svc, "user-2", line_id, LATER)
    with pytest.raises(NotFound):
        await verify(svc, "user-1", "no-such-line", "123456", NOW)


async def _verified(fakes: Fakes, svc: Lines, user: str) -> str:
    line_id = (await request_line(svc, user, "movil", "0991234567", NOW)).line.line_id
    await verify(svc, user, line_id, fakes.sms()[-1].code, NOW)
    return line_id


async def test_a_verification_by_another_user_moves_the_line(fakes: Fakes, svc: Lines) -> None:
    await fakes.subscribe()
    first = await _verified(fakes, svc, "user-1")
    second = await _verified(fakes, svc, "user-2")
    assert fakes.lines.rows[first].status is Status.REMOVED
    assert fakes.lines.rows[second].status is Status.VERIFIED
    (removed,) = fakes.lines.events_of(LineRemoved)
    assert (removed.line_id, removed.user_id, removed.reason) == (first, "user-1", "transferred")
    assert [e.user_id for e in fakes.lines.events_of(LineRegistered)] == ["user-1", "user-2"]


async def test_shared_numbers_keep_both_holders() -> None:
    fakes = Fakes()
    fakes.settings = fakes.settings.model_copy(update={"lines_allow_shared": True})
    svc = fakes.service()
    await fakes.subscribe()
    first = await _verified(fakes, svc, "user-1")
    second = await _verified(fakes, svc, "user-2")
    assert {fakes.lines.rows[i].status for i in (first, second)} == {Status.VERIFIED}
    assert fakes.lines.events_of(LineRemoved) == []


async def test_a_holder_who_verified_meanwhile_is_taken_over_on_the_retry(
    fakes: Fakes, svc: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fakes.subscribe()
    first = await _verified(fakes, svc, "user-1")
    line_id = (await request_line(svc, "user-2", "movil", "0991234567", NOW)).line.line_id
    real = fakes.lines.holders
    calls: list[str] = []

    async def stale_once(number: str) -> list[object]:
        calls.append(number)
        return [] if len(calls) == 1 else await real(number)  # type: ignore[return-value]

    monkeypatch.setattr(fakes.lines, "holders", stale_once)
    await verify(svc, "user-2", line_id, fakes.sms()[-1].code, NOW)
    assert len(calls) == 2  # the unique holder key refused the first save
    assert fakes.lines.rows[first].removed_reason == "transferred"
