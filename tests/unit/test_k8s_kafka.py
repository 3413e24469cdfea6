"""deploy/k8s gives every service what production demands of Kafka: TLS, its own SASL principal
from its Secret, topics on 3 replicas; the runtime accepts that and nothing less."""

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from common.settings import ServiceSettings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SECURITY_ENV = ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD")


def platform_env() -> dict[str, str]:
    lines = (K8S / "platform.env").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECURITY_ENV:
        monkeypatch.delenv(name, raising=False)


def test_production_accepts_the_platform_settings_with_a_principal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in platform_env().items():
        monkeypatch.setenv(key, value)
    # What <service>-secrets adds (README.md).
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "billing")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "from-the-secret")
    settings = ServiceSettings(service_name="billing")
    assert settings.app_env == "production" and settings.kafka_security_protocol == "SASL_SSL"
    assert settings.kafka_topic_replication >= 3
    # Without the Secret's credentials it refuses to start.
    monkeypatch.delenv("KAFKA_SASL_PASSWORD")
    with pytest.raises(ValidationError, match="KAFKA_SASL_PASSWORD"):
        ServiceSettings(service_name="billing")


def test_every_service_takes_its_kafka_credentials_from_its_secret() -> None:
    deployment = yaml.safe_load((K8S / "base/service/deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item for item in container["env"]}
    for name in ("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"):
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "service-secrets", "key": name}
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert str(Path(platform_env()["KAFKA_SSL_CAFILE"]).parent) in mounts
