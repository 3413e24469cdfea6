"""I/O behind the ports: the MongoDB store, the SMTP mailer, the email renderer."""
