"""The runtime's HTTP contract, found wanting by Schemathesis (tests/e2e/test_api_contract.py):
every route declares the error statuses it may answer with the error body of docs/api.md (not
FastAPI's ``{"detail": ...}`` 422), an unexpected error answers 500 with that body instead of
plain text, and a 405 says in Allow every method of the path."""

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel

from common.http import ERROR_RESPONSES
from common.service import Runtime, ServiceSpec, build_app
from common.settings import ServiceSettings
from tests.support import free_port


@dataclass
class Service:
    runtime: Runtime


class ThingIn(BaseModel):
    name: str


router = APIRouter(prefix="/v1")


@router.get("/things")
async def list_things() -> list[str]:
    return []


@router.post("/things", status_code=201)
async def add_thing(body: ThingIn) -> ThingIn:
    return body


@router.get("/things/{thing_id}")
async def broken(thing_id: str) -> str:
    raise RuntimeError(f"a bug with {thing_id}")


def _client() -> TestClient:
    settings = ServiceSettings(
        service_name="unit", kafka_bootstrap_servers=f"127.0.0.1:{free_port()}"
    )
    spec = ServiceSpec[Service](name="unit", title="unit", description="", routers=[router])
    app = build_app(spec, Service(Runtime.create(settings)))
    # The lifespan is not entered: nothing connects.
    return TestClient(app, raise_server_exceptions=False)


def test_every_route_declares_the_error_statuses_with_the_error_body() -> None:
    document = _client().get("/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {str(s) for s in ERROR_RESPONSES} <= set(responses), (method, path)
            for status in ERROR_RESPONSES:
                schema = responses[str(status)]["content"]["application/json"]["schema"]
                assert schema == error, (method, path, status)
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["code", "message"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_an_unexpected_error_answers_500_with_the_error_body() -> None:
    answer = _client().get("/v1/things/abc")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"]["code"] == "internal_error"


def test_a_method_the_path_lacks_answers_405_with_every_method_in_allow() -> None:
    client = _client()
    for method in ("OPTIONS", "TRACE", "PATCH", "DELETE"):
        answer = client.request(method, "/v1/things")
        assert answer.status_code == 405
        assert answer.headers["allow"] == "GET, HEAD, POST"
        assert answer.json()["error"]["code"] == "method_not_allowed"
    assert client.request("PUT", "/v1/things/x").headers["allow"] == "GET, HEAD"
