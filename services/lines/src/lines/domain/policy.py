"""The numbers the rules depend on; the service fills them from its settings."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    code_ttl: timedelta = timedelta(minutes=10)
    max_attempts: int = 5  # wrong tries per code
    max_sends: int = 5  # codes per line and rolling day
    resend_cooldown: timedelta = timedelta(seconds=60)
    # SMS per UTC day, reserved before sending: to one destination number, for one user, and to
    # one number prefix (E.164 without its last 4 digits).
    daily_cap_per_number: int = 10
    daily_cap_per_user: int = 20
    daily_cap_per_prefix: int = 100
    # Another user verifying a number moves it to them, unless numbers may be shared.
    allow_shared: bool = False
