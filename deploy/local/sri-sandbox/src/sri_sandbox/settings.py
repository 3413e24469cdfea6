"""Configuration from the environment (prefix ``SRI_SANDBOX_``)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SRI_SANDBOX_")

    host: str = "127.0.0.1"
    port: int = 8106
    # Holds sri-sandbox.sqlite3: received comprobantes survive restarts (a bill run resumed after a
    # restart of the stack must still find its keys, as it would at SRI).
    data_dir: Path = Path(".local/data/sri-sandbox")
    # PEM with the CA certificate(s) a signing certificate must chain to; unset: any certificate
    # whose signature verifies is accepted (integrity only).
    trusted_ca: Path | None = None
    # Initial behaviour controls (POST /control changes them; /control/reset returns to these).
    en_proceso_polls: int = Field(default=0, ge=0)
    delay_seconds: float = Field(default=0.0, ge=0)
    # SRI's transmission window: a comprobante received more than this many hours after the end
    # of its fechaEmision's day (Ecuador) is NO AUTORIZADO with 65 (docs/sri.md §9).
    transmission_window_hours: int = Field(default=72, ge=1)
    log_level: str = "info"

    @property
    def database(self) -> Path:
        return self.data_dir / "sri-sandbox.sqlite3"
