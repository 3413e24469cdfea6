"""lines' unit tests run on the fakes of ``fakes.py``: nothing connects."""

import pytest
from fastapi.testclient import TestClient

from lines.bootstrap import Lines
from services.lines.tests.unit.fakes import Fakes


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def svc(fakes: Fakes) -> Lines:
    return fakes.service()


@pytest.fixture
def client(fakes: Fakes) -> TestClient:
    """The real app on the fakes; its lifespan is not entered (no database, no Kafka)."""
    return TestClient(fakes.app())
