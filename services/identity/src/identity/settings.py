"""identity's configuration, from the environment."""

from datetime import timedelta
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from common.settings import ServiceSettings
from identity.domain.policy import Policy


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    http_port: int = 8101
    # Test mode (docs/api.md): every captcha also accepts this answer. Refused in production.
    captcha_test_answer: str | None = None
    captcha_ttl_seconds: int = 300
    # The audio alternative (espeak-ng): its voice, how long one may take, how many run at once,
    # and how many audios one captcha may have (each draws a new answer).
    captcha_voice: str = "es-419"
    captcha_audio_timeout_seconds: float = Field(default=5.0, gt=0)
    captcha_audio_concurrency: int = Field(default=2, ge=1)
    captcha_audios_per_captcha: int = Field(default=3, ge=1)
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
    # Argon2 hashes and checks running at once (19 MiB each); the rest wait their turn.
    password_hash_concurrency: int = Field(default=2, ge=1)
    terms_version: str = "2026-01"
    # The access-token signing keys, PEM PKCS#8 Ed25519 files (a Kubernetes Secret mounted as
    # files; the local stack generates one): the current key signs; the next one is published
    # before it signs, the previous one until the tokens it signed expire (README.md, rotation).
    # Required in production; elsewhere, without it, a key is generated in memory.
    signing_key_path: Path | None = None
    signing_next_key_path: Path | None = None
    signing_previous_key_path: Path | None = None

    @field_validator(
        "signing_key_path", "signing_next_key_path", "signing_previous_key_path", mode="before"
    )
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _no_test_captcha_in_production(self) -> "IdentitySettings":
        if self.app_env == "production" and self.captcha_test_answer:
            raise ValueError("CAPTCHA_TEST_ANSWER must not be set when APP_ENV=production")
        return self

    @model_validator(mode="after")
    def _signing_key_from_a_file(self) -> "IdentitySettings":
        if self.signing_key_path is None:
            if self.app_env == "production":
                raise ValueError("SIGNING_KEY_PATH is required when APP_ENV=production")
            if self.signing_next_key_path or self.signing_previous_key_path:
                raise ValueError("SIGNING_NEXT/PREVIOUS_KEY_PATH need SIGNING_KEY_PATH too")
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
