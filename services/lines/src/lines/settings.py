"""lines' configuration, from the environment."""

from datetime import timedelta

from common.settings import ServiceSettings
from lines.domain.policy import Policy


class LinesSettings(ServiceSettings):
    service_name: str = "lines"
    http_port: int = 8102
    identity_jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"

    # SMS codes (docs/design.md §6).
    code_ttl_seconds: int = 600
    code_max_attempts: int = 5
    code_max_sends: int = 5  # per line and rolling day
    code_resend_seconds: int = 60
    # SMS pumping: codes per UTC day to one destination number, for one user, and to one prefix
    # (the E.164 number without its last 4 digits), reserved before sending.
    sms_daily_cap_per_number: int = 10
    sms_daily_cap_per_user: int = 20
    sms_daily_cap_per_prefix: int = 100
    # true: several users may hold one number at once; false: a verification by another user
    # moves the line to them (the previous holder's line is removed, reason "transferred").
    lines_allow_shared: bool = False

    # The start-up backfill of the subscriber directory from billing's topics.
    backfill_timeout_seconds: float = 120.0

    def policy(self) -> Policy:
        return Policy(
            code_ttl=timedelta(seconds=self.code_ttl_seconds),
            max_attempts=self.code_max_attempts,
            max_sends=self.code_max_sends,
            resend_cooldown=timedelta(seconds=self.code_resend_seconds),
            daily_cap_per_number=self.sms_daily_cap_per_number,
            daily_cap_per_user=self.sms_daily_cap_per_user,
            daily_cap_per_prefix=self.sms_daily_cap_per_prefix,
            allow_shared=self.lines_allow_shared,
        )
