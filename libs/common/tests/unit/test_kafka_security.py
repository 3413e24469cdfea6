"""Kafka security settings: what every client is given, and what production refuses."""

import ssl
from pathlib import Path
from typing import Any

import pytest
from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from pydantic import ValidationError

from common.kafka_security import KafkaSecurity, broker_security, client_kwargs
from common.messaging import create_broker
from common.settings import ServiceSettings

ENV = (
    "APP_ENV",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_CAFILE",
    "KAFKA_SSL_CERTFILE",
    "KAFKA_SSL_KEYFILE",
    "KAFKA_TOPIC_REPLICATION",
)
SCRAM = {
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_username": "billing",
    "kafka_sasl_password": "s3cr3t",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings under test, not the shell's (the root conftest sets the stack's admin)."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def settings(**values: Any) -> ServiceSettings:
    return ServiceSettings(service_name="billing", **values)


def test_development_defaults_to_plaintext_without_security() -> None:
    plain = settings()
    assert client_kwargs(plain) == {"security_protocol": "PLAINTEXT"}
    assert broker_security(plain) is None


def test_sasl_scram_over_tls_reaches_aiokafka_clients() -> None:
    kwargs = client_kwargs(settings(**SCRAM))
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("billing", "s3cr3t")
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_sasl_scram_reaches_the_faststream_broker() -> None:
    security = broker_security(settings(**SCRAM))
    assert isinstance(security, SASLScram512) and security.use_ssl
    assert (security.username, security.password) == ("billing", "s3cr3t")
    local = settings(
        **SCRAM | {"kafka_security_protocol": "SASL_PLAINTEXT"},
        kafka_sasl_mechanism="SCRAM-SHA-256",
    )
    security = broker_security(local)
    assert isinstance(security, SASLScram256) and not security.use_ssl


def test_the_runtime_broker_is_built_with_the_security() -> None:
    broker = create_broker(settings(**SCRAM | {"kafka_security_protocol": "SASL_PLAINTEXT"}))
    assert isinstance(broker.specification.security, SASLScram512)


def test_mutual_tls_uses_the_client_certificate(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="go together"):
        settings(kafka_security_protocol="SSL", kafka_ssl_certfile=str(tmp_path / "c.pem"))
    security = broker_security(settings(kafka_security_protocol="SSL"))
    assert type(security) is BaseSecurity and security.use_ssl
    assert "sasl_mechanism" not in client_kwargs(settings(kafka_security_protocol="SSL"))


def test_sasl_needs_a_username_and_a_password() -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="billing")


def test_the_environment_names_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "admin")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "from-env")
    tool = KafkaSecurity()  # what tools without a service read (python -m common.dlq)
    assert client_kwargs(tool)["sasl_plain_password"] == "from-env"
    assert "from-env" not in repr(tool)  # a SecretStr: never in logs or tracebacks


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_production_refuses_kafka_without_tls(protocol: str) -> None:
    with pytest.raises(ValidationError, match=f"KAFKA_SECURITY_PROTOCOL={protocol} is refused"):
        settings(
            app_env="production",
            kafka_topic_replication=3,
            **SCRAM | {"kafka_security_protocol": protocol},
        )


def test_production_refuses_tls_without_an_identity() -> None:
    with pytest.raises(ValidationError, match="without KAFKA_SSL_CERTFILE"):
        settings(app_env="production", kafka_topic_replication=3, kafka_security_protocol="SSL")


@pytest.mark.parametrize("replication", [1, 2])
def test_production_refuses_topics_below_three_replicas(replication: int) -> None:
    with pytest.raises(ValidationError, match=f"KAFKA_TOPIC_REPLICATION={replication} is refused"):
        settings(app_env="production", kafka_topic_replication=replication, **SCRAM)


def test_production_accepts_sasl_ssl_and_three_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("KAFKA_TOPIC_REPLICATION", "3")
    for name, value in SCRAM.items():
        monkeypatch.setenv(name.upper(), value)
    accepted = ServiceSettings(service_name="billing")
    assert accepted.kafka_uses_tls and accepted.kafka_topic_replication == 3
    # Development keeps its one local broker.
    monkeypatch.setenv("APP_ENV", "development")
    assert ServiceSettings(service_name="billing", kafka_topic_replication=1).app_env == (
        "development"
    )
