"""The messages received, newest last, bounded (the oldest go first when it is full)."""

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    message_id: str
    to: str
    sender: str
    text: str | None
    data_coding: int
    received_at: str
    system_id: str
    raw_hex: str
    registered_delivery: int
    esm_class: int = 0
    dest_addr_ton: int = 0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        sender = data.pop("sender")
        return {"message_id": data.pop("message_id"), "to": data.pop("to"), "from": sender, **data}


def number_key(number: str) -> str:
    """One form for a destination: digits only, so ``+593991234567`` and ``593991234567``
    (E.164 without the plus, TON international) are the same number."""
    return "".join(char for char in number if char.isdigit())


class MessageStore:
    """No lock: the SMPP sessions and the (async) HTTP handlers share one event loop."""

    def __init__(self, max_messages: int) -> None:
        self._messages: deque[Message] = deque(maxlen=max_messages)

    def add(self, message: Message) -> None:
        self._messages.append(message)

    def find(self, to: str | None = None, limit: int | None = None) -> list[Message]:
        """Newest first; ``to`` in any of the forms ``number_key`` accepts."""
        key = number_key(to) if to is not None else None
        found: list[Message] = []
        for message in reversed(self._messages):
            if key is None or number_key(message.to) == key:
                found.append(message)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def clear(self) -> int:
        count = len(self._messages)
        self._messages.clear()
        return count

    def __len__(self) -> int:
        return len(self._messages)
