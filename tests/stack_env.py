"""The local stack's Kafka login, for what runs beside the stack without being part of it: the
tests (the root conftest.py), the service processes tests and benches start
(``tests.support.ServiceProcess``) and the benches' own clients.

The stack's Kafka takes SASL/SCRAM clients only (deploy/local/stack.sh); everything here logs in
as its super-user ``admin``, whose password stack.sh generated into .local/secrets, unless the
caller already chose a security protocol.
"""

import os
from collections.abc import Mapping
from pathlib import Path

ADMIN_PASSWORD = Path(__file__).resolve().parent.parent / ".local/secrets/kafka-admin.password"


def kafka_admin_env(
    environ: Mapping[str, str] = os.environ, password_file: Path = ADMIN_PASSWORD
) -> dict[str, str]:
    """The KAFKA_* settings of the stack's ``admin``; empty when ``environ`` chose a protocol
    already or there is no password file (no stack here, or a broker without SASL)."""
    if "KAFKA_SECURITY_PROTOCOL" in environ or not password_file.is_file():
        return {}
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "admin",
        "KAFKA_SASL_PASSWORD": password_file.read_text().strip(),
    }


def use_stack_kafka() -> None:
    """This process's Kafka clients (and the services it builds in-process) log in as admin."""
    os.environ.update(kafka_admin_env())
