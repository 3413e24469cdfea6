"""Which failures are worth waiting out, and the retry loop consumers use (docs/design.md §4).

Two kinds of failure reach the runtime from a handler:
- an **outage** of what the handler needs (the database, Kafka): the message is fine, the
  platform is not. :func:`is_transient` says so for PyMongo's connection failures and timeouts,
  Kafka's retriable errors and :class:`TransientError`, also when one is the ``__cause__`` of what
  the handler raised. Such a failure is retried without limit and never sent to the DLQ;
- anything else (a bug, a refusal, bad data): retried ``CONSUMER_MAX_ATTEMPTS`` times, then
  given up; a :class:`PermanentError` is given up at once.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaError
from pymongo.errors import ConnectionFailure, PyMongoError

from common.logging import get_logger
from common.metrics import CONSUMED
from common.settings import ServiceSettings

log = get_logger(__name__)


class PermanentError(Exception):
    """Retrying cannot help (bad data, a refused recipient): straight to the DLQ."""


class TransientError(Exception):
    """Something the handler needs is unavailable (not the message's fault): wait it out."""


class StillUnavailable(Exception):
    """A dependency has been down for a whole retry round: hand the message back to Kafka.

    The consumer does not commit it and reads it again at once (a seek back), so it keeps
    polling (a consumer that stops polling for ``max.poll.interval.ms`` leaves its group)."""


def is_transient(exc: BaseException) -> bool:
    """An outage of the database or of Kafka (or a :class:`TransientError`), not a bad message."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PermanentError):
            return False
        if isinstance(current, TransientError | ConnectionFailure):
            return True  # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError, ...
        if isinstance(current, PyMongoError) and (
            current.timeout or current.has_error_label("RetryableWriteError")
        ):
            return True
        if isinstance(current, KafkaError) and current.retriable:
            return True  # KafkaConnectionError, NodeNotReadyError, RequestTimedOutError, ...
        current = current.__cause__
    return False


def backoff(settings: ServiceSettings, waits: int) -> float:
    """The pause before the ``waits``-th retry: exponential, capped."""
    base = settings.consumer_backoff_seconds * 2 ** min(waits - 1, 30)
    return float(min(base, settings.consumer_backoff_max_seconds))


async def retry(
    work: Callable[[], Awaitable[None]], settings: ServiceSettings, topic: str, group: str
) -> None:
    """Run ``work`` until it succeeds.

    An outage (:func:`is_transient`) is retried without limit; after
    ``CONSUMER_RETRY_ROUND_SECONDS`` of it, :class:`StillUnavailable` hands the message back to
    Kafka (and the next delivery retries again). Any other failure counts as an attempt; the last
    one (``CONSUMER_MAX_ATTEMPTS``) is raised, and a :class:`PermanentError` at once."""
    attempts = waits = 0
    started = time.monotonic()
    while True:
        try:
            await work()
            return
        except PermanentError:
            raise
        except Exception as exc:
            transient = is_transient(exc)
            if not transient:
                attempts += 1
                if attempts >= settings.consumer_max_attempts:
                    raise
            elif time.monotonic() - started >= settings.consumer_retry_round_seconds:
                raise StillUnavailable(f"{type(exc).__name__}: {exc}") from exc
            waits += 1
            delay = backoff(settings, waits)
            CONSUMED.labels(topic, group, "waiting" if transient else "retried").inc()
            log.warning(
                "handler_retry",
                topic=topic,
                transient=transient,
                attempt=attempts,
                error=f"{type(exc).__name__}: {exc}",
                delay=delay,
            )
            await asyncio.sleep(delay)
