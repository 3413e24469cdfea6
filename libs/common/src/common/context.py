"""Correlation id of the unit of work in progress (HTTP request or consumed event)."""

import re
import uuid
from contextvars import ContextVar

# What the gateway passes on (deploy/gateway/); anything else from a client (header injection,
# a 10 kB value, log forging with newlines) is replaced, wherever the request came in.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def correlation_id() -> str:
    """The current correlation id; a fresh one when work started outside a request or event."""
    value = _correlation_id.get()
    if value is None:
        value = new_correlation_id()
        _correlation_id.set(value)
    return value


def causation_id() -> str | None:
    return _causation_id.get()


def bind(correlation: str | None, causation: str | None = None) -> None:
    import structlog

    value = correlation if correlation and _WELL_FORMED.fullmatch(correlation) else None
    value = value or new_correlation_id()
    _correlation_id.set(value)
    _causation_id.set(causation)
    structlog.contextvars.bind_contextvars(correlation_id=value)
