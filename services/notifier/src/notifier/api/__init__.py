"""notifier's HTTP API: delivery lookup for operators."""
