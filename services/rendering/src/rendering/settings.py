"""rendering's configuration, from the environment."""

from pydantic import Field, SecretStr, model_validator

from common.settings import ServiceSettings


class RenderingSettings(ServiceSettings):
    service_name: str = "rendering"
    http_port: int = 8105

    # HMAC key of the download links billing hands out (billing has the same RIDE_LINK_KEY).
    # A secret: .local/secrets/ride-link.key locally, the ride-link secret on Kubernetes.
    ride_link_key: SecretStr = SecretStr("")
    # The authorized XML of each invoice, fetched from billing's internal documents endpoint
    # through links signed with the key billing, rendering and notifier share
    # (DOCUMENT_LINK_KEY, a secret: .local/secrets/document-link.key locally, the Secret
    # document-link on Kubernetes); a fetch that takes longer is a transient failure.
    billing_url: str = "http://127.0.0.1:8103"
    document_link_key: SecretStr = SecretStr("")
    document_fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    # Worker processes rendering RIDEs, and documents each renders before it is replaced.
    render_workers: int = Field(default=2, ge=1)
    render_tasks_per_worker: int = Field(default=200, ge=1)

    @property
    def ride_link_secret(self) -> str:
        return self.ride_link_key.get_secret_value()

    @property
    def document_link_secret(self) -> str:
        return self.document_link_key.get_secret_value()

    @model_validator(mode="after")
    def _key_in_production(self) -> "RenderingSettings":
        # Without a key no link verifies (common.links refuses an empty key): fail at start-up.
        if self.app_env == "production" and len(self.ride_link_secret) < 32:
            raise ValueError("RIDE_LINK_KEY must be set (32 characters or more) in production")
        if self.app_env == "production" and len(self.document_link_secret) < 32:
            raise ValueError("DOCUMENT_LINK_KEY must be set (32 characters or more) in production")
        return self
