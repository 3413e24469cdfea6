"""/healthz says when the signing processes cannot be recreated (issue 11, item 13): the
service would take bill runs it can never sign, so the orchestrator must replace it."""

from dataclasses import dataclass

from fastapi.testclient import TestClient

from services.billing.tests.unit.fakes import fake_app


@dataclass
class Pool:
    healthy: bool


def test_healthz_follows_the_signing_pool() -> None:
    app = fake_app()
    client = TestClient(app)
    assert app.state.service.signing is None  # signed in a thread here: nothing to break
    assert client.get("/healthz").json() == {"status": "ok", "checks": {"signing_pool": True}}
    app.state.service.signing = Pool(healthy=False)
    broken = client.get("/healthz")
    assert broken.status_code == 503
    assert broken.json() == {"status": "unavailable", "checks": {"signing_pool": False}}
    app.state.service.signing = Pool(healthy=True)
    assert client.get("/healthz").status_code == 200
