"""The message store: newest first, by number in either E.164 form, bounded."""

from smsc_simulator.store import Message, MessageStore, number_key


def message(message_id: str, to: str) -> Message:
    return Message(
        message_id=message_id,
        to=to,
        sender="Telco",
        text="hola",
        data_coding=0,
        received_at="2025-01-01T00:00:00.000+00:00",
        system_id="telco",
        raw_hex="00",
        registered_delivery=0,
    )


def test_a_number_matches_with_or_without_the_plus() -> None:
    store = MessageStore(10)
    store.add(message("a", "593991234567"))
    store.add(message("b", "+593991234567"))
    store.add(message("c", "593990000000"))
    assert [m.message_id for m in store.find("+593991234567")] == ["b", "a"]
    assert [m.message_id for m in store.find("593991234567")] == ["b", "a"]
    assert number_key("+593 99 123-4567") == "593991234567"


def test_without_a_number_all_come_newest_first_up_to_the_limit() -> None:
    store = MessageStore(10)
    for index in range(4):
        store.add(message(str(index), f"59399000000{index}"))
    assert [m.message_id for m in store.find()] == ["3", "2", "1", "0"]
    assert [m.message_id for m in store.find(limit=2)] == ["3", "2"]


def test_the_oldest_go_when_it_is_full() -> None:
    store = MessageStore(2)
    for index in range(3):
        store.add(message(str(index), "593991234567"))
    assert [m.message_id for m in store.find()] == ["2", "1"]


def test_clear_says_how_many_went() -> None:
    store = MessageStore(5)
    store.add(message("a", "1"))
    store.add(message("b", "2"))
    assert store.clear() == 2
    assert store.find() == []


def test_the_json_names_the_sender_from() -> None:
    data = message("a", "1").as_json()
    assert data["from"] == "Telco"
    assert "sender" not in data
