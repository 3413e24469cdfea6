"""When to try a failed send again: exponential backoff with jitter, capped, then give up."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 1.0
    max_seconds: float = 30.0
    # Attempts (the first send included) before a transient failure becomes a final one.
    max_attempts: int = 50
    # The delay is spread by ±jitter (a fraction) so that many deliveries failing together
    # during an outage do not all come back at the same instant.
    jitter: float = 0.2

    def delay(self, attempts: int, rand: float) -> timedelta:
        """The wait after the ``attempts``-th failed attempt; ``rand`` is uniform in [0, 1)."""
        if attempts < 1:
            raise ValueError("attempts starts at 1")
        exponent = min(attempts - 1, 62)  # 2**62 seconds is far past any cap
        nominal = min(self.max_seconds, self.base_seconds * 2.0**exponent)
        spread = 1.0 + self.jitter * (2.0 * rand - 1.0)
        return timedelta(seconds=min(self.max_seconds, max(0.0, nominal * spread)))

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def worst_case_span(self) -> timedelta:
        """How long transient failures are retried before giving up (without jitter)."""
        no_jitter = RetryPolicy(self.base_seconds, self.max_seconds, self.max_attempts, 0.0)
        return sum(
            (no_jitter.delay(n, 0.5) for n in range(1, self.max_attempts)), start=timedelta()
        )
