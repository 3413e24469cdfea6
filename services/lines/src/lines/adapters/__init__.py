"""I/O behind the ports: MongoDB stores, the Kafka history of billing's subscriptions."""
