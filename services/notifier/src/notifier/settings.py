"""notifier's configuration, from the environment."""

from datetime import datetime
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
    # The invoice email attaches the authorized XML too, which InvoiceIssued names and billing
    # serves to links signed with the key billing, rendering and notifier share
    # (DOCUMENT_LINK_KEY, a secret: .local/secrets/document-link.key locally, the Secret
    # document-link on Kubernetes); a fetch that takes longer is a transient failure.
    billing_url: str = "http://127.0.0.1:8103"
    document_link_key: SecretStr = SecretStr("")
    document_fetch_timeout_seconds: float = 10.0
    # How often the invoices not emailed yet are counted (invoices_not_emailed).
    invoice_scan_seconds: float = 60.0
    # Invoices authorized before this are remembered and not emailed: the consumer group starts
    # at the earliest offset, and a first deployment must not email every invoice still on the
    # topic. ISO 8601 with an offset; unset: when notifier first started on its database
    # (recorded once there, adapters/first_start.py).
    invoice_email_since: datetime | None = None

    # SMS by SMPP 3.4 (smpp34): one transceiver bind per process, held for the service's life.
    smpp_host: str = "127.0.0.1"
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: SecretStr = SecretStr("")
    smpp_system_type: str = ""
    # The sender the phone shows: alphanumeric (TON 5, NPI 0, at most 11 characters) or a
    # short code (e.g. TON 3, NPI 0).
    smpp_source_addr: str = "MiClaro"
    smpp_source_ton: int = 5
    smpp_source_npi: int = 0
    # submit_sm in flight at once on the bind (the SMSC's window); more wait for a slot.
    smpp_window: int = 10
    smpp_connect_timeout_seconds: float = 5.0
    # No submit_sm_resp by then: a transient failure (the SMSC may still have taken it).
    smpp_submit_timeout_seconds: float = 10.0
    # How long a send waits for the bind (just after start-up, while rebinding) and for a free
    # slot in the window before it fails as transient and the retry schedule takes over.
    smpp_bind_wait_seconds: float = 2.0
    smpp_window_wait_seconds: float = 5.0
    # Rebinding after a refused bind or a lost session: 0.5, 1, 2, … capped (±20 % jitter).
    smpp_reconnect_base_seconds: float = 0.5
    smpp_reconnect_max_seconds: float = 15.0

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

    @field_validator("invoice_email_since")
    @classmethod
    def _since_has_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("INVOICE_EMAIL_SINCE needs an offset, e.g. 2026-12-01T00:00:00-05:00")
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
        if self.app_env == "production" and len(self.document_link_secret) < 32:
            raise ValueError("DOCUMENT_LINK_KEY must be set (32 characters or more) in production")
        return self

    @model_validator(mode="after")
    def _smpp_in_production(self) -> "NotifierSettings":
        if self.app_env == "production" and not (self.smpp_system_id and self.smpp_secret):
            raise ValueError("SMPP_SYSTEM_ID and SMPP_PASSWORD must be set in production")
        return self

    @model_validator(mode="after")
    def _smpp_sender(self) -> "NotifierSettings":
        if self.smpp_source_ton == 5 and not 1 <= len(self.smpp_source_addr) <= 11:
            raise ValueError("SMPP_SOURCE_ADDR (alphanumeric, TON 5) must be 1-11 characters")
        if self.smpp_window < 1:
            raise ValueError("SMPP_WINDOW must be at least 1")
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

    @property
    def document_link_secret(self) -> str:
        return self.document_link_key.get_secret_value()

    @property
    def smpp_secret(self) -> str:
        return self.smpp_password.get_secret_value()

    def reconnect_policy(self) -> RetryPolicy:
        """Rebinding's backoff: never gives up while the service runs."""
        return RetryPolicy(
            base_seconds=self.smpp_reconnect_base_seconds,
            max_seconds=self.smpp_reconnect_max_seconds,
            max_attempts=2**31,
        )

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
