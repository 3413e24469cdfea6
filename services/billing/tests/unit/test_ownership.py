"""Who may see what (domain/ownership.py), the line_holders projection fed by lines' events
(replays, out of order) and a line's statement for customers, on fakes."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker

from billing import use_cases
from billing.bootstrap import Billing
from billing.consumers import consumers, line_registered, line_removed
from billing.domain.accounts import Account, Holder, Subscription
from billing.domain.ownership import LineHolding, Viewer
from common.contracts import LineRegistered, LineRemoved
from common.contracts.lines import LineData, LineRemovedData
from common.errors import InvalidInput, NotFound
from common.testing import consumers_on_fakes
from services.billing.tests.unit.fakes import FakeLineHolders, fake_billing, settings

NUMBER, OTHER_NUMBER = "+593991234567", "+593987654321"
ANA, LUIS = Viewer("u-ana"), Viewer("u-luis")
OPERATOR = Viewer("op-1", operator=True)


def held(
    line_id: str = "l1",
    user: Viewer = ANA,
    number: str = NUMBER,
    account_id: str | None = "a2",
    removed: bool = False,
) -> LineHolding:
    return LineHolding(line_id, user.user_id, number, account_id, removed)


# -- the rule ----------------------------------------------------------------------------------


def test_a_customer_sees_what_a_line_they_hold_opens() -> None:
    mine = [held()]
    assert ANA.may_see(mine, "a2", [OTHER_NUMBER, NUMBER])  # one of the invoice's numbers
    assert ANA.holds(mine, NUMBER) and not ANA.holds(mine, OTHER_NUMBER)


@pytest.mark.parametrize(
    ("holding", "account_id", "numbers"),
    [
        (held(), "a1", [NUMBER]),  # a recycled number: the previous holder's account
        (held(), "a2", [OTHER_NUMBER]),  # the account's invoice, but not for this line
        (held(removed=True), "a2", [NUMBER]),  # removed or transferred
        (held(account_id=None), "a2", [NUMBER]),  # lines did not know the account
        (held(user=LUIS), "a2", [NUMBER]),  # someone else's line
    ],
)
def test_a_customer_sees_nothing_else(
    holding: LineHolding, account_id: str, numbers: list[str]
) -> None:
    assert not ANA.may_see([holding], account_id, numbers)
    assert OPERATOR.may_see([], account_id, numbers)  # operators see everything


def test_a_removed_or_foreign_line_is_not_held() -> None:
    others = [held(removed=True), held("l2", LUIS)]
    assert not ANA.holds(others, NUMBER) and not ANA.may_read_line(others, NUMBER)
    assert ANA.may_read_line([held()], NUMBER) and OPERATOR.may_read_line([], NUMBER)


# -- the projection ------------------------------------------------------------------------------

AT = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def line_data(line_id: str = "l1", user_id: str = "u-ana", account_id: str = "a2") -> LineData:
    return LineData(
        line_id=line_id,
        user_id=user_id,
        number=NUMBER,
        service_type="movil",
        account_id=account_id,
        occurred_at=AT,
    )


def registered(data: LineData) -> LineRegistered:
    return LineRegistered(data=data)


def removed(data: LineData, reason: str = "removed") -> LineRemoved:
    return LineRemoved(data=LineRemovedData(**data.model_dump(), reason=reason))


async def lines_of(svc: Billing, user_id: str) -> list[LineHolding]:
    return await svc.line_holders.of_user(user_id)


async def test_registered_then_removed_and_replays() -> None:
    svc = fake_billing()
    await line_registered(registered(line_data()), svc)
    assert await lines_of(svc, "u-ana") == [held()]
    await line_registered(registered(line_data()), svc)  # replayed
    assert await lines_of(svc, "u-ana") == [held()]
    await line_removed(removed(line_data()), svc)
    await line_removed(removed(line_data()), svc)  # replayed
    await line_registered(registered(line_data()), svc)  # an old registration, redelivered
    assert await lines_of(svc, "u-ana") == [held(removed=True)]


async def test_a_removal_before_its_registration_wins() -> None:
    svc = fake_billing()
    await line_removed(removed(line_data(), "transferred"), svc)
    await line_registered(registered(line_data()), svc)
    assert await lines_of(svc, "u-ana") == [held(removed=True)]
    # The user verifies the number again later: lines gives that a new line id.
    await line_registered(registered(line_data("l2")), svc)
    assert sorted(await lines_of(svc, "u-ana"), key=lambda h: h.line_id) == [
        held(removed=True),
        held("l2"),
    ]
    assert ANA.holds(await lines_of(svc, "u-ana"), NUMBER)


async def test_off_the_wire_in_either_order() -> None:
    """Through the broker (FastStream's in-memory one) and the runtime's middleware."""
    svc = fake_billing()
    broker, _ = consumers_on_fakes(consumers, svc, settings())

    async def publish(event: Any) -> None:
        body, key = event.model_dump_json().encode(), event.key().encode()
        await broker.publish(body, event.topic, key=key, headers=event.cloudevents_headers())

    async with TestKafkaBroker(broker):
        await publish(removed(line_data("l1")))
        await publish(registered(line_data("l1")))
        await publish(registered(line_data("l2")))
    assert sorted(await lines_of(svc, "u-ana"), key=lambda h: h.line_id) == [
        held(removed=True),
        held("l2"),
    ]


# -- a line's statement --------------------------------------------------------------------------

HOLDER = Holder("cedula", "1714307103", "Ana", "Quito", "ana@correo.ec", "")


async def recycled(svc: Billing) -> None:
    """a1 had the number until 15 December 2025, a2 has it from the 16th."""
    for account_id, start, end in [
        ("a1", date(2025, 11, 1), date(2025, 12, 15)),
        ("a2", date(2025, 12, 16), None),
    ]:
        account = await svc.accounts.add(Account(account_id, HOLDER, 1, "20"))
        sub = Subscription(f"s-{account_id}", NUMBER, "movil", "M-30", start, end)
        await use_cases.subscriptions.subscribe(svc, account, sub)


async def test_a_customer_gets_the_statement_of_their_lines_account_only() -> None:
    lines = FakeLineHolders(held(), held("l0", LUIS, account_id="a1"))
    svc = fake_billing(line_holders=lines)
    await recycled(svc)
    statement = use_cases.statements.of_line
    assert (await statement(svc, "099 123 4567", "2025-12", ANA)).account_id == "a2"
    assert (await statement(svc, NUMBER, "2025-11", LUIS)).account_id == "a1"
    for viewer, period in [(ANA, "2025-11"), (LUIS, "2025-12"), (Viewer("u-x"), "2025-12")]:
        with pytest.raises(NotFound) as refused:
            await statement(svc, NUMBER, period, viewer)
        assert refused.value.message == "Esta línea no tuvo una suscripción en ese periodo."
    await lines.remove(held())
    with pytest.raises(NotFound):
        await statement(svc, NUMBER, "2025-12", ANA)
    assert (await statement(svc, NUMBER, "2025-12", OPERATOR)).account_id == "a2"
    with pytest.raises(InvalidInput) as bad:
        await statement(svc, "12", "2025-12", ANA)
    assert bad.value.fields == {"line": "El número no es un teléfono válido de Ecuador."}
