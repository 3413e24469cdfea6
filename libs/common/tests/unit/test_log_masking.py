"""What reaches the log, through the configured pipeline (structlog and stdlib records alike):
no email, id number or phone number in plain text wherever it sits — a list, a nested dict,
an exception's message or traceback — and no secret at all."""

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from common.logging import configure_logging, get_logger

EMAIL, CEDULA, PHONE, TOKEN = "ana.quispe@correo.com", "1714307103", "+593991234567", "s3cr3t-tok"


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def assert_clean(text: str) -> None:
    for value in ("ana.quispe", CEDULA, PHONE.lstrip("+"), TOKEN):
        assert value not in text, (value, text)


@pytest.fixture
def out(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The service's logging configured onto a buffer; the previous configuration is back after."""
    buffer = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.setattr(sys, "stdout", buffer)
    structlog.reset_defaults()
    configure_logging("test")
    yield buffer
    structlog.reset_defaults()
    root.handlers[:], root.level = handlers, level


def test_lists_and_nested_values_are_masked_and_secrets_dropped(
    out: io.StringIO,
) -> None:
    get_logger("t").info(
        "sent",
        recipients=[EMAIL, f"cliente {CEDULA}"],
        form={"email": EMAIL, "password": TOKEN, "phones": [PHONE]},
        token=TOKEN,
    )
    [line] = lines(out)
    assert_clean(json.dumps(line, ensure_ascii=False))
    assert line["recipients"] == ["a***@correo.com", "cliente 17******03"]
    assert line["form"]["password"] == "***" and line["token"] == "***"  # type: ignore[index]


def test_exception_text_is_masked_in_structlog_and_stdlib_records(
    out: io.StringIO,
) -> None:
    try:
        raise ValueError(f"no account for {EMAIL} ({CEDULA}, {PHONE})")
    except ValueError as error:
        get_logger("t").exception("lookup_failed", error=error)
        logging.getLogger("library").exception("library failed for %s", EMAIL)
    structlog_line, stdlib_line = lines(out)
    for line in (structlog_line, stdlib_line):
        text = json.dumps(line, ensure_ascii=False)
        assert_clean(text)
        assert "ValueError" in text and "correo.com" in text  # still useful
