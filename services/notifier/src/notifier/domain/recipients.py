"""Who the notifier writes to: the address and names, kept from identity's sign-up event."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    user_id: str
    email: str
    given_names: str
    surnames: str
