"""notifier: emails (and later SMS) with one delivery record per event and channel."""
