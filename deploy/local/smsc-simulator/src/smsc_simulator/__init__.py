"""A local SMSC for tests and the local stack: an SMPP 3.4 server (binds, submit_sm, delivery
receipts) and an HTTP API to read what was sent and to inject faults."""
