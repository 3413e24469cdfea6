"""notifier's domain: delivery states and transitions, retry schedule, error classification,
which template an event gets and what it says. No I/O."""
