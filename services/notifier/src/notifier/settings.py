"""notifier's configuration, from the environment."""

from email.headerregistry import Address
from email.utils import parseaddr

from pydantic import SecretStr, field_validator, model_validator

from common.settings import ServiceSettings
from notifier.domain.backoff import RetryPolicy


class NotifierSettings(ServiceSettings):
    service_name: str = "notifier"
    http_port: int = 8104

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False  # upgrade with STARTTLS (submission port 587)
    smtp_use_tls: bool = False  # implicit TLS from the first byte (port 465)
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Mi Claro <no-responder@demo.ec>"

    brand_name: str = "Mi Claro"
    brand_color: str = "#DA291C"
    support_text: str = (
        "¿Necesitas ayuda? Ingresa a Mi Claro o comunícate con nuestro Centro de Atención "
        "al Cliente."
    )

    identity_jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"

    # The invoice email attaches the RIDE, fetched from rendering through a link signed with
    # the key billing and rendering share (RIDE_LINK_KEY).
    rendering_url: str = "http://127.0.0.1:8105"
    ride_link_key: SecretStr = SecretStr("")
    ride_fetch_timeout_seconds: float = 30.0
    # How often the invoices not emailed yet are counted (invoices_not_emailed).
    invoice_scan_seconds: float = 60.0

    # Transient failures (SMTP down, 4xx) are retried from the delivery record with exponential
    # backoff: 1, 2, 4, … capped at 30 s (±20 % jitter); 50 attempts ≈ 23 min of outage
    # before a delivery is given up as failed (NotificationFailed). Never the DLQ early.
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    max_attempts_before_giving_up: int = 50
    retry_poll_seconds: float = 1.0
    retry_batch_size: int = 50
    retry_concurrency: int = 8
    # A sender holds a delivery this long; must exceed the longest SMTP conversation.
    claim_seconds: float = 60.0

    @field_validator("mail_from")
    @classmethod
    def _valid_from(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "@" not in address:
            raise ValueError("MAIL_FROM must contain an address, e.g. 'Name <user@domain>'")
        return value

    @model_validator(mode="after")
    def _one_tls_mode(self) -> "NotifierSettings":
        if self.smtp_starttls and self.smtp_use_tls:
            raise ValueError("SMTP_STARTTLS and SMTP_USE_TLS are mutually exclusive")
        return self

    @model_validator(mode="after")
    def _key_in_production(self) -> "NotifierSettings":
        # The links notifier signs to fetch RIDEs are only as strong as the key (as billing's).
        if self.app_env == "production" and len(self.ride_link_secret) < 32:
            raise ValueError("RIDE_LINK_KEY must be set (32 characters or more) in production")
        return self

    @field_validator("brand_color")
    @classmethod
    def _valid_color(cls, value: str) -> str:
        digits = value.removeprefix("#")
        if len(digits) not in (3, 6) or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise ValueError("BRAND_COLOR must be a hex colour like #DA291C")
        return "#" + digits

    @property
    def ride_link_secret(self) -> str:
        return self.ride_link_key.get_secret_value()

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            base_seconds=self.retry_base_seconds,
            max_seconds=self.retry_max_seconds,
            max_attempts=self.max_attempts_before_giving_up,
        )

    def sender(self) -> Address:
        name, address = parseaddr(self.mail_from)
        username, _, domain = address.partition("@")
        return Address(display_name=name, username=username, domain=domain)
