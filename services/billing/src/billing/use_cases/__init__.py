"""What the operator and billing's loops do, one async function per use case, one module per
resource. They take the service (its parts typed by Protocols) and plain values, and refuse with
the kinds in ``common.errors``; nothing here knows HTTP or MongoDB."""
