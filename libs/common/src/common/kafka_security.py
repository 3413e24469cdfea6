"""How every Kafka client of the platform authenticates and encrypts (docs/design.md, "Kafka
security").

The settings (``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_*``, ``KAFKA_SSL_*``) are one mixin,
:class:`KafkaSecurity`: :class:`~common.settings.ServiceSettings` inherits it, and tools with no
service (``python -m common.dlq``, tests, scripts/kafka_acls.py) read it alone from the
environment. Whoever builds a client asks this module for its arguments, so no client can forget
them: :func:`broker_security` for FastStream's ``KafkaBroker``, :func:`client_kwargs` for an
aiokafka producer, consumer or admin client.
"""

import ssl
from typing import Any, Literal

from aiokafka.helpers import create_ssl_context
from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)
from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
# Encrypted on the wire: the only protocols production accepts.
TLS_PROTOCOLS = ("SASL_SSL", "SSL")

_SASL_SECURITY = {
    "SCRAM-SHA-512": SASLScram512,
    "SCRAM-SHA-256": SASLScram256,
    "PLAIN": SASLPlaintext,
}


class KafkaSecurity(BaseSettings):
    """Who a Kafka client is and how it reaches the brokers (environment only)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    # The principal (User:<name>) whose ACLs the brokers apply; one per service.
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    # The CA that signed the brokers' certificates (system CAs when empty), and a client
    # certificate and key for mutual TLS (KAFKA_SECURITY_PROTOCOL=SSL: the certificate is then
    # the principal).
    kafka_ssl_cafile: str = ""
    kafka_ssl_certfile: str = ""
    kafka_ssl_keyfile: str = ""

    @property
    def kafka_uses_sasl(self) -> bool:
        return self.kafka_security_protocol.startswith("SASL_")

    @property
    def kafka_uses_tls(self) -> bool:
        return self.kafka_security_protocol in TLS_PROTOCOLS

    @model_validator(mode="after")
    def _complete(self) -> "KafkaSecurity":
        protocol = self.kafka_security_protocol
        if self.kafka_uses_sasl and not (
            self.kafka_sasl_username and self.kafka_sasl_password.get_secret_value()
        ):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD"
            )
        if bool(self.kafka_ssl_certfile) != bool(self.kafka_ssl_keyfile):
            raise ValueError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together")
        return self

    def kafka_tls_problem(self) -> str | None:
        """Why production must refuse these settings (None: acceptable): the events carry reset
        tokens and SMS codes, so the wire is encrypted and every client is someone."""
        protocol = self.kafka_security_protocol
        if not self.kafka_uses_tls:
            return (
                f"KAFKA_SECURITY_PROTOCOL={protocol} is refused when APP_ENV=production: "
                "Kafka traffic must be encrypted (SASL_SSL, or SSL with a client certificate)"
            )
        if protocol == "SSL" and not self.kafka_ssl_certfile:
            return (
                "KAFKA_SECURITY_PROTOCOL=SSL without KAFKA_SSL_CERTFILE/KAFKA_SSL_KEYFILE is "
                "refused when APP_ENV=production: the brokers could not tell who the client is"
            )
        return None


def ssl_context(settings: KafkaSecurity) -> ssl.SSLContext | None:
    """Verifies the brokers (hostname included); None without TLS."""
    if not settings.kafka_uses_tls:
        return None
    context: ssl.SSLContext = create_ssl_context(
        cafile=settings.kafka_ssl_cafile or None,
        certfile=settings.kafka_ssl_certfile or None,
        keyfile=settings.kafka_ssl_keyfile or None,
    )
    return context


def client_kwargs(settings: KafkaSecurity) -> dict[str, Any]:
    """Keyword arguments for aiokafka's producer, consumer, admin and low-level clients."""
    kwargs: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_uses_sasl:
        kwargs |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password.get_secret_value(),
        }
    if settings.kafka_uses_tls:
        kwargs["ssl_context"] = ssl_context(settings)
    return kwargs


def broker_security(settings: KafkaSecurity) -> BaseSecurity | None:
    """FastStream's ``security=`` for a ``KafkaBroker`` (None: PLAINTEXT)."""
    context = ssl_context(settings)
    if settings.kafka_uses_sasl:
        return _SASL_SECURITY[settings.kafka_sasl_mechanism](
            settings.kafka_sasl_username,
            settings.kafka_sasl_password.get_secret_value(),
            ssl_context=context,
            use_ssl=settings.kafka_uses_tls,
        )
    if settings.kafka_uses_tls:
        return BaseSecurity(ssl_context=context, use_ssl=True)
    return None
