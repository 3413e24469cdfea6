"""Root pytest configuration shared by every test directory.

A test's folder says what it needs (docs/service-template.md, "Tests"):
- ``unit/``: nothing outside the process (fakes, in-memory broker); ``pytest -m unit``;
- ``integration/``: the real Kafka and FerretDB (and Mailpit, the SRI sandbox) of ``make up``;
- ``e2e/``: the whole stack through the gateway.
``stack`` marks the last two, so ``pytest -m "not stack"`` runs without the stack too.
"""

import os
from pathlib import Path

import pytest

from tests.stack_env import use_stack_kafka

# Services built inside tests talk to FerretDB like the local stack does: one connection per
# process keeps FerretDB's conditional updates atomic (see common/settings.py).
os.environ.setdefault("MONGODB_MAX_POOL_SIZE", "1")
# What tests write under .local/ (their services' logs, private brokers' data) is as private as
# what the stack writes there (deploy/local/stack.sh: umask 077).
os.umask(0o077)

# The local stack's Kafka takes SASL/SCRAM clients only: the tests' own clients, the services they
# build and the processes they start are its super-user `admin` unless the caller says otherwise
# (tests/stack_env.py, shared with the benches).
use_stack_kafka()

_KINDS = ("unit", "integration", "e2e")


def _kind(path: Path) -> str | None:
    found = [part for part in path.parts if part in _KINDS]
    return found[-1] if found else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = _kind(Path(str(item.path)))
        if kind is None:
            raise pytest.UsageError(
                f"{item.path}: a test lives under unit/, integration/ or e2e/ "
                "(docs/service-template.md)"
            )
        item.add_marker(kind)
        if kind != "unit":
            item.add_marker("stack")
