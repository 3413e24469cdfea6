"""notifier: emails and SMS with one delivery record per event and channel."""
