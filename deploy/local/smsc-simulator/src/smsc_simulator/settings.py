"""Configuration from the environment (prefix ``SMSC_``)."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SimulatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMSC_")

    host: str = "127.0.0.1"
    smpp_port: int = Field(default=2775, ge=0, le=65535)  # 0: any free port (tests)
    http_port: int = Field(default=8026, ge=0, le=65535)
    # The one ESME account. No default password on purpose: the stack generates one per machine.
    system_id: str = Field(min_length=1, max_length=15)
    password: SecretStr = Field(min_length=1, max_length=8)
    # What this SMSC calls itself in bind responses.
    smsc_system_id: str = Field(default="SMSCSIM", min_length=1, max_length=15)
    receipt_delay_ms: int = Field(default=50, ge=0)
    max_messages: int = Field(default=10000, ge=1)
    log_level: str = "info"
