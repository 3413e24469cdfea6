"""The Line aggregate: where a code goes, new codes, "Aceptar", removal and transfer."""

from datetime import timedelta

import pytest

from common.errors import ApiError, Conflict, Gone, InvalidInput, NotFound, TooManyRequests
from lines.domain.events import CodeRequested, LineRegistered, LineRemoved
from lines.domain.lines import Line, Status
from lines.domain.numbers import PhoneNumber, ServiceType
from lines.domain.policy import Policy
from services.lines.tests.unit.fakes import CONTACT, FIXED, MOBILE, NOW, subscription

POLICY = Policy()


def pending(number: str = MOBILE, kind: ServiceType = ServiceType.MOVIL, **sub: object) -> Line:
    line = Line.request(
        "line-1", "user-1", PhoneNumber(number), kind, subscription(number, kind.value, **sub), NOW
    )
    line.send_code(NOW, POLICY)
    return line


def code_of(line: Line, index: int = -1) -> str:
    return [e for e in line.events if isinstance(e, CodeRequested)][index].code


def test_a_mobile_line_gets_its_code_itself() -> None:
    line = pending()
    (event,) = line.events
    assert isinstance(event, CodeRequested)
    assert (event.number, event.destination, event.send_number) == (MOBILE, MOBILE, 1)
    assert event.expires_at == NOW + timedelta(minutes=10)
    assert (line.status, line.account_id) == (Status.PENDING, "acc-1")
    assert line.resend_after(NOW, POLICY) == 60 and line.expires_in(NOW) == 600


@pytest.mark.parametrize("kind", [ServiceType.FIJO, ServiceType.INTERNET, ServiceType.TV])
def test_a_fixed_service_sends_to_the_contract_contact_mobile(kind: ServiceType) -> None:
    line = pending(FIXED, kind)
    (event,) = line.events
    assert isinstance(event, CodeRequested)
    assert (event.number, event.destination, event.service_type) == (FIXED, CONTACT, kind.value)


@pytest.mark.parametrize("contact", [None, "", "+59322345679", "0991234567"])
def test_no_contact_mobile_means_calling_the_operator(contact: str | None) -> None:
    with pytest.raises(ApiError) as refused:
        pending(FIXED, ServiceType.FIJO, contact_mobile=contact)
    assert (refused.value.status, refused.value.code) == (422, "no_contact_mobile")
    assert "Comunícate con atención al cliente" in (refused.value.fields or {})["number"]


def test_a_new_code_voids_the_previous_one() -> None:
    line = pending()
    first = code_of(line)
    line.send_code(NOW + timedelta(seconds=60), POLICY)
    second = code_of(line)
    assert [e.send_number for e in line.events if isinstance(e, CodeRequested)] == [1, 2]
    if first != second:  # one chance in a million they are equal
        assert line.enter_code(first, NOW + timedelta(seconds=61), POLICY) == 4
    assert line.enter_code(second, NOW + timedelta(seconds=62), POLICY) is None


def test_no_new_code_within_the_cooldown() -> None:
    line = pending()
    with pytest.raises(TooManyRequests):
        line.send_code(NOW + timedelta(seconds=59), POLICY)
    assert len(line.events) == 1


def test_the_right_code_verifies_and_registers_the_line() -> None:
    line = pending()
    assert line.enter_code(code_of(line), NOW + timedelta(minutes=1), POLICY) is None
    assert (line.status, line.verified_at, line.code) == (
        Status.VERIFIED,
        NOW + timedelta(minutes=1),
        None,
    )
    assert line.exclusive
    registered = line.events[-1]
    assert isinstance(registered, LineRegistered)
    assert (registered.number, registered.account_id, registered.service_type) == (
        MOBILE,
        "acc-1",
        "movil",
    )
    with pytest.raises(Conflict) as again:
        line.enter_code(code_of(line), NOW, POLICY)
    assert again.value.code == "already_verified"


def test_shared_numbers_verify_without_exclusivity() -> None:
    line = pending()
    line.enter_code(code_of(line), NOW, Policy(allow_shared=True))
    assert line.status is Status.VERIFIED and not line.exclusive


def test_wrong_tries_count_down_then_the_code_is_used_up() -> None:
    line = pending()
    wrong = f"{(int(code_of(line)) + 1) % 10**6:06d}"
    assert [line.enter_code(wrong, NOW, POLICY) for _ in range(5)] == [4, 3, 2, 1, 0]
    with pytest.raises(Gone) as refused:
        line.enter_code(code_of(line), NOW, POLICY)  # even the right one
    assert refused.value.code == "code_attempts_exhausted"
    line.send_code(NOW + timedelta(minutes=1), POLICY)
    assert line.enter_code(code_of(line), NOW + timedelta(minutes=1), POLICY) is None


def test_a_malformed_code_is_not_a_try() -> None:
    line = pending()
    with pytest.raises(InvalidInput):
        line.enter_code("12ab", NOW, POLICY)
    assert line.code is not None and line.code.wrong_attempts == 0


def test_an_expired_code_is_refused() -> None:
    line = pending()
    with pytest.raises(Gone) as refused:
        line.enter_code(code_of(line), NOW + timedelta(minutes=10), POLICY)
    assert refused.value.code == "code_expired"


def test_asking_again_for_a_verified_line_is_a_conflict() -> None:
    line = pending()
    line.enter_code(code_of(line), NOW, POLICY)
    with pytest.raises(Conflict) as refused:
        line.request_again(ServiceType.MOVIL, subscription(), NOW + timedelta(hours=1), POLICY)
    assert refused.value.code == "already_registered"
    assert refused.value.fields == {"number": "Esta línea ya está registrada en tu cuenta."}


def test_asking_again_takes_the_current_contract() -> None:
    line = pending(FIXED, ServiceType.FIJO)
    newer = subscription(FIXED, "internet", account_id="acc-2", contact_mobile="+593987654300")
    line.request_again(ServiceType.INTERNET, newer, NOW + timedelta(minutes=2), POLICY)
    assert (line.service_type, line.account_id, line.destination) == (
        ServiceType.INTERNET,
        "acc-2",
        "+593987654300",
    )


def test_removing_a_pending_line_raises_nothing() -> None:
    line = pending()
    line.events.clear()
    line.remove(NOW)
    assert (line.status, line.removed_reason, line.events) == (Status.REMOVED, "removed", [])
    with pytest.raises(NotFound):
        line.remove(NOW)


def test_removing_a_verified_line_ends_the_access() -> None:
    line = pending()
    line.enter_code(code_of(line), NOW, POLICY)
    line.remove(NOW + timedelta(days=1))
    removed = line.events[-1]
    assert isinstance(removed, LineRemoved)
    assert (removed.reason, removed.occurred_at) == ("removed", NOW + timedelta(days=1))
    assert not line.is_live and not line.exclusive


def test_a_transfer_removes_only_a_verified_line() -> None:
    waiting = pending()
    waiting.events.clear()
    waiting.transfer(NOW)
    assert waiting.status is Status.PENDING and waiting.events == []
    held = pending()
    held.enter_code(code_of(held), NOW, POLICY)
    held.transfer(NOW)
    removed = held.events[-1]
    assert isinstance(removed, LineRemoved) and removed.reason == "transferred"
    assert held.status is Status.REMOVED
