"""JSON logs with the correlation id and personal data masked (docs/design.md §6, §7)."""

import logging
import re
import sys
from typing import Any

import structlog

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_LONG_DIGITS = re.compile(r"\b(\d{2})\d{4,}(\d{2})\b")
_SECRET_KEYS = {"password", "token", "code", "captcha_answer", "refresh_token", "access_token"}


def mask(text: str) -> str:
    """Mask emails and long digit runs (cédula, RUC, phone numbers) in free text."""
    text = _EMAIL.sub(r"\1***@\2", text)
    return _LONG_DIGITS.sub(r"\1******\2", text)


_IDS = {"correlation_id", "event_id", "timestamp"}


def _masked(key: str, value: Any) -> Any:
    """A logged value with secrets dropped and personal data masked, however deep it sits
    (lists of emails, a dict of a form, an exception's text)."""
    if key in _SECRET_KEYS:
        return "***"
    if isinstance(value, str):
        return value if key in _IDS else mask(value)
    if isinstance(value, dict):
        return {k: _masked(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(key, v) for v in value]
    if isinstance(value, BaseException):
        return mask(f"{type(value).__name__}: {value}")
    return value


def _mask_event(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    return {key: _masked(key, value) for key, value in event.items()}


def configure_logging(service: str, level: str = "INFO") -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _mask_event,
        structlog.processors.JSONRenderer(ensure_ascii=False),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries (uvicorn, aiokafka, faststream) log through stdlib: one JSON line each, too.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_StdlibJsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)


class _StdlibJsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        import json

        payload = {
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "service": self._service,
            "event": mask(record.getMessage()),
        }
        payload.update(structlog.contextvars.get_contextvars())
        if record.exc_info:
            payload["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
