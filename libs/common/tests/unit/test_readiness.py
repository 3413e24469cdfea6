"""/readyz answers for what a request needs, the database, not Kafka: with Kafka unreachable a
service stays ready (its events wait in the outbox), without its database it is not."""

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from common.service import Runtime, ServiceSpec, build_app
from common.settings import ServiceSettings
from tests.support import free_port


@dataclass
class Service:
    runtime: Runtime


@pytest.mark.parametrize(
    ("database", "status", "body"),
    [
        (True, 200, {"status": "ok", "checks": {"database": True, "kafka": False}}),
        (False, 503, {"status": "unavailable", "checks": {"database": False, "kafka": False}}),
    ],
)
def test_readiness_follows_the_database_not_kafka(
    database: bool, status: int, body: dict[str, object]
) -> None:
    settings = ServiceSettings(
        service_name="unit", kafka_bootstrap_servers=f"127.0.0.1:{free_port()}"
    )
    runtime = Runtime.create(settings)

    async def ping() -> bool:
        return database

    runtime.database.ping = ping  # type: ignore[method-assign]
    app = build_app(ServiceSpec(name="unit", title="unit", description=""), Service(runtime))
    answer = TestClient(app).get("/readyz")  # the lifespan is not entered: nothing connects
    assert (answer.status_code, answer.json()) == (status, body)
