"""Prometheus metrics shared by every service; services add their business counters."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONSUMED = Counter(
    "consumer_messages_total",
    "Messages consumed, by topic, consumer group and outcome "
    "(processed, duplicate, retried: a failed attempt, waiting: a retry while the database or "
    "Kafka is unreachable, dead_lettered).",
    ["topic", "group", "outcome"],
)
CONSUME_LATENCY = Histogram(
    "consumer_handle_seconds", "Time to handle one message.", ["topic", "group"]
)
DEAD_LETTERED = Counter(
    "dead_letter_messages_total", "Messages sent to a dead-letter topic.", ["topic", "group"]
)
OUTBOX_PUBLISHED = Counter(
    "outbox_published_total",
    "Events published by the outbox relay, by topic and path: 'written' (woken by the write) or "
    "'sweep' (found by the safety-net sweep: its writer died, or a write did not wake the relay).",
    ["topic", "via"],
)
OUTBOX_ERRORS = Counter("outbox_publish_errors_total", "Outbox relay publish failures.")
OUTBOX_SWEEP_INTERVAL = Gauge(
    "outbox_sweep_interval_seconds", "How often the outbox relay sweeps for missed events."
)
KAFKA_REACHABLE = Gauge(
    "kafka_reachable",
    "1 while Kafka answers (set at start-up, on each connection attempt and by /readyz); the "
    "service keeps serving without it, its events wait in the outbox.",
)
OUTBOX_PARKED = Counter(
    "outbox_parked_total",
    "Outbox entries set aside after failing OUTBOX_MAX_ATTEMPTS times while Kafka answered "
    "(too big, a topic that does not exist or may not be written): kept in outbox_parked.",
    ["topic"],
)
