"""HTTP surface: the two SOAP endpoints at SRI's paths, their WSDLs, and the JSON test controls."""

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sri_sandbox import soap
from sri_sandbox.handlers import AUTORIZACION, RECEPCION, SoapHandlers
from sri_sandbox.sandbox import Controls, Sandbox
from sri_sandbox.settings import SandboxSettings
from sri_sandbox.signature import SignatureChecker
from sri_sandbox.store import Store

BASE_PATH = "/comprobantes-electronicos-ws"
RECEPCION_PATH = f"{BASE_PATH}/RecepcionComprobantesOffline"
AUTORIZACION_PATH = f"{BASE_PATH}/AutorizacionComprobantesOffline"
WSDL_DIR = Path(__file__).parent / "wsdl"
Endpoint = Callable[[Request], Awaitable[Response]]
_LOCATION = re.compile(r'(<soap:address location=")[^"]*(/comprobantes-electronicos-ws/[^"]*")')


@lru_cache(maxsize=16)  # keyed by the Host the client used
def wsdl(name: str, base_url: str) -> bytes:
    """The packaged WSDL with soap:address pointing at this sandbox."""
    text = (WSDL_DIR / f"{name}.wsdl").read_text(encoding="utf-8")
    return _LOCATION.sub(lambda m: f"{m.group(1)}{base_url}{m.group(2)}", text).encode("utf-8")


class ControlUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    en_proceso_polls: int | None = Field(default=None, ge=0)
    delay_seconds: float | None = Field(default=None, ge=0, le=600)
    fail_next: int | None = Field(default=None, ge=0)
    refused_names: list[Annotated[str, Field(min_length=1, max_length=300)]] | None = Field(
        default=None, max_length=50
    )


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    forget: bool = False


def _controls_json(controls: Controls) -> dict[str, Any]:
    return asdict(controls)


async def _json_body(request: Request) -> Any:
    body = await request.body()
    return {} if not body.strip() else await request.json()


def _xml(content: bytes, status: int = 200) -> Response:
    return Response(content, status_code=status, media_type=soap.CONTENT_TYPE)


class _Endpoints:
    """The sandbox's HTTP endpoints over one Sandbox (SOAP services, test controls, health)."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.store = Store(settings.database)
        checker = SignatureChecker(settings.trusted_ca)
        self.sandbox = Sandbox(
            self.store, checker, self.initial_controls(), settings.transmission_window_hours
        )
        self.handlers = SoapHandlers(self.sandbox)

    def initial_controls(self) -> Controls:
        return Controls(self.settings.en_proceso_polls, self.settings.delay_seconds)

    def soap_endpoint(self, operation: str, wsdl_name: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            if request.method == "GET":
                if {"wsdl", "WSDL"} & set(request.query_params):
                    base_url = str(request.base_url).rstrip("/")
                    return _xml(wsdl(wsdl_name, base_url))
                return Response("add ?wsdl for the service description\n", 404)
            return await self.answer(operation, await request.body())

        return endpoint

    async def answer(self, operation: str, data: bytes) -> Response:
        controls = self.sandbox.controls
        delay = controls.delay_seconds
        if controls.fail_next > 0:
            controls.fail_next -= 1
            self.handlers.log_fault(operation, data)
            response = _xml(soap.fault("Simulated server failure (fail_next)"), 500)
        else:
            try:
                response = _xml(self.handlers.answer(operation, data))
            except soap.SoapFault as exc:
                response = _xml(soap.fault(str(exc), exc.code), 500)
        # After processing: a client that times out leaves SRI holding the document.
        if delay:
            await asyncio.sleep(delay)
        return response

    async def get_control(self, request: Request) -> Response:
        return JSONResponse(_controls_json(self.sandbox.controls))

    async def post_control(self, request: Request) -> Response:
        try:
            update = ControlUpdate.model_validate(await _json_body(request))
        except (ValidationError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, 422)
        for name, value in update.model_dump(exclude_none=True).items():
            setattr(self.sandbox.controls, name, value)
        return JSONResponse(_controls_json(self.sandbox.controls))

    async def reset_control(self, request: Request) -> Response:
        try:
            reset = ResetRequest.model_validate(await _json_body(request))
        except (ValidationError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, 422)
        self.sandbox.controls = self.initial_controls()
        if reset.forget:
            self.store.forget()
        return JSONResponse(_controls_json(self.sandbox.controls))

    async def calls(self, request: Request) -> Response:
        clave = request.query_params.get("clave")
        try:
            limit = int(request.query_params.get("limit", "100000"))
        except ValueError:
            return JSONResponse({"error": "limit must be an integer"}, 422)
        return JSONResponse(self.store.calls(clave, limit))

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def routes(self) -> list[Route]:
        return [
            Route(
                RECEPCION_PATH,
                self.soap_endpoint(RECEPCION, "RecepcionComprobantesOffline"),
                methods=["GET", "POST"],
            ),
            Route(
                AUTORIZACION_PATH,
                self.soap_endpoint(AUTORIZACION, "AutorizacionComprobantesOffline"),
                methods=["GET", "POST"],
            ),
            Route("/control", self.get_control, methods=["GET"]),
            Route("/control", self.post_control, methods=["POST"]),
            Route("/control/reset", self.reset_control, methods=["POST"]),
            Route("/control/calls", self.calls, methods=["GET"]),
            Route("/healthz", self.healthz, methods=["GET"]),
        ]


def create_app(settings: SandboxSettings | None = None) -> Starlette:
    endpoints = _Endpoints(settings or SandboxSettings())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        endpoints.store.close()

    app = Starlette(routes=endpoints.routes(), lifespan=lifespan)
    app.state.sandbox = endpoints.sandbox
    return app
