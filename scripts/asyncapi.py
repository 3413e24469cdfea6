"""Write docs/asyncapi.yaml: every service's topics, publishers and consumers, from the code.

``make docs`` runs it; tests/test_asyncapi.py fails when the committed document is stale.
"""

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from faststream.specification import AsyncAPI

from common.contracts.base import DEAD_LETTER_SUFFIX

if __package__ in (None, ""):  # run as a file (`make docs`): the repository root holds scripts/
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import registry

DOC = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"
DESCRIPTION = f"""Events of the e-invoice self-care platform (Kafka, one topic per event type).

Every message is JSON with the envelope fields event_id, event_type, schema_version, occurred_at,
correlation_id, causation_id and data, and carries CloudEvents Kafka-binding headers (ce_id,
ce_type, ce_source, ce_time, ce_specversion, traceparent). The key is the aggregate id.
Schemas only grow optional fields; a breaking change is a new event type on a new topic.
Messages a consumer cannot process go to `<topic>{DEAD_LETTER_SUFFIX}` with the error in headers.
Topics marked sensitive carry secrets (activation and reset tokens, SMS verification codes):
restrict their ACLs and never log their payloads.
Clients authenticate with SASL/SCRAM-SHA-512 (over TLS in production), one principal per service:
each may write only the topics it publishes and read only those it consumes (scripts/kafka_acls.py).
"""
# The document describes the contracts, not the Kafka credentials of the shell that builds it.
_SECURITY_ENV = ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD")


@contextlib.contextmanager
def _without_credentials() -> Iterator[None]:
    saved = {k: os.environ.pop(k) for k in _SECURITY_ENV if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def build() -> str:
    # Every service of services.toml: <name>.app.build() returns its FastAPI app, whose runtime
    # holds its FastStream broker (publishers and subscribers).
    with _without_credentials():
        brokers = [
            importlib.import_module(f"{service.name}.app").build().state.runtime.broker
            for service in registry.load()
        ]
    spec = AsyncAPI(
        *brokers,
        title="Telecom e-invoice self-care events",
        version="1.0.0",
        description=DESCRIPTION,
    )
    # Sorted: FastStream's channel order varies between runs.
    document = spec.to_specification().to_jsonable()
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100)


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    text = build()
    if "--check" in sys.argv:
        sys.exit(0 if DOC.exists() and DOC.read_text() == text else 1)
    DOC.write_text(text)
    print(f"wrote {DOC}")
