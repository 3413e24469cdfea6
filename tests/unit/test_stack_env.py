"""The stack's Kafka login that tests, benches and the processes they start share."""

from pathlib import Path

from tests.stack_env import kafka_admin_env


def test_the_admin_login_comes_from_the_stacks_password_file(tmp_path: Path) -> None:
    password = tmp_path / "kafka-admin.password"
    password.write_text("s3cret\n")
    assert kafka_admin_env({}, password) == {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "admin",
        "KAFKA_SASL_PASSWORD": "s3cret",
    }


def test_a_protocol_the_caller_chose_wins(tmp_path: Path) -> None:
    password = tmp_path / "kafka-admin.password"
    password.write_text("s3cret\n")
    assert kafka_admin_env({"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}, password) == {}


def test_without_a_stack_nothing_is_set(tmp_path: Path) -> None:
    assert kafka_admin_env({}, tmp_path / "missing") == {}
