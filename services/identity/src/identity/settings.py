"""identity's configuration, from the environment."""

from datetime import timedelta

from pydantic import model_validator

from common.settings import ServiceSettings
from identity.domain.policy import Policy


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    http_port: int = 8101
    # Test mode (docs/api.md): every captcha also accepts this answer. Refused in production.
    captcha_test_answer: str | None = None
    captcha_ttl_seconds: int = 300
    operator_email: str | None = None
    operator_password: str | None = None
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    activation_ttl_hours: int = 24
    reset_ttl_minutes: int = 60
    link_cooldown_seconds: int = 60
    link_daily_cap: int = 5
    lockout_threshold: int = 5
    lockout_base_seconds: int = 30
    lockout_max_seconds: int = 900
    terms_version: str = "2026-01"

    @model_validator(mode="after")
    def _no_test_captcha_in_production(self) -> "IdentitySettings":
        if self.app_env == "production" and self.captcha_test_answer:
            raise ValueError("CAPTCHA_TEST_ANSWER must not be set when APP_ENV=production")
        return self

    def policy(self) -> Policy:
        return Policy(
            activation_ttl=timedelta(hours=self.activation_ttl_hours),
            reset_ttl=timedelta(minutes=self.reset_ttl_minutes),
            link_cooldown=timedelta(seconds=self.link_cooldown_seconds),
            link_daily_cap=self.link_daily_cap,
            lockout_threshold=self.lockout_threshold,
            lockout_base=timedelta(seconds=self.lockout_base_seconds),
            lockout_max=timedelta(seconds=self.lockout_max_seconds),
            terms_version=self.terms_version,
        )
