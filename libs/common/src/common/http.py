"""The HTTP edge every service shares: the error shape of every API (docs/api.md)
``{"error": {"code", "message", "fields"?}}`` and how routes reach the service's parts."""

import re
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.errors import ApiError, InvalidInput
from common.text import non_xml_char, non_xml_fields, non_xml_message

_GENERIC_MESSAGES = {
    "missing": "Este campo es obligatorio.",
    "string_type": "Debe ser un texto.",
    "bool_type": "Debe ser verdadero o falso.",
    "int_parsing": "Debe ser un número entero.",
    "literal_error": "El valor no es una de las opciones permitidas.",
    "json_invalid": "El cuerpo de la solicitud no es JSON válido.",
    "model_attributes_type": "El cuerpo de la solicitud debe ser un objeto JSON.",
}
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    429: "too_many_requests",
}
_STATUS_MESSAGES = {
    404: "No encontramos lo que buscas.",
    405: "Método no permitido.",
    401: "Necesitas iniciar sesión.",
    403: "No tienes permiso para esta acción.",
}


class ErrorDetail(BaseModel):
    # More members beside code, message and fields may come (lines' "attempts_left").
    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(BaseModel):
    """The error body of every API (docs/api.md, "Errors")."""

    error: ErrorDetail


# What any route of any service may answer besides its own successes, declared once for all of
# them in the OpenAPI (the runtime adds it to every service router): bad input the gateway
# refuses before the service (400: a NUL byte in the path), no or a revoked session (401), a
# missing role (403), an unknown resource (404), a state that forbids it (409), a body too large
# (413, the gateway), an expired or used link, captcha or code (410), field errors (422), a limit
# (429, the gateway or the service), an unexpected error (500) and the service or a dependency
# down (503).
_DESCRIPTIONS = {
    400: "Solicitud mal formada (la rechaza el gateway).",
    401: "Sin sesión, o la sesión expiró o fue revocada.",
    403: "La sesión no tiene el rol necesario.",
    404: "No existe (o no es de quien pregunta).",
    409: "El estado actual no lo permite.",
    410: "El enlace, captcha o código expiró o ya se usó.",
    413: "Cuerpo demasiado grande (gateway).",
    422: "Datos no válidos, campo por campo en `fields`.",
    429: "Demasiadas solicitudes; `Retry-After` dice cuántos segundos esperar.",
    500: "Error inesperado.",
    503: "El servicio o una dependencia no está disponible.",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in _DESCRIPTIONS.items()
}


def error_body(
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error | (extra or {})}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal a use case raises (``common.errors``) answers with its kind's status."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.fields, exc.extra),
            exc.status,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields: dict[str, str] = {}
        for err in exc.errors():
            name = _field_name(tuple(err.get("loc", ())))
            fields.setdefault(name, _GENERIC_MESSAGES.get(err.get("type", ""), "Valor no válido."))
        body = error_body("validation_error", "Revisa los datos ingresados.", fields)
        return JSONResponse(body, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = _STATUS_MESSAGES.get(exc.status_code) or (
            exc.detail if isinstance(exc.detail, str) else "Error."
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed(request)
        return JSONResponse(error_body(code, message), exc.status_code, headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises it after this answer (uvicorn logs it); the body keeps the shape.
        body = error_body("internal_error", "Ocurrió un error inesperado. Intenta nuevamente.")
        return JSONResponse(body, 500)


def _allowed(request: Request) -> str:
    """Every method of the path, from the OpenAPI document: Starlette's own Allow names only the
    first route that matched the path (GET and POST of /v1/lines are two routes)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def service_of(request: Request) -> Any:
    """The object ``bootstrap`` built for this app (typed by each service's ``api/deps.py``)."""
    return request.app.state.service


async def refuse_non_xml_text(request: Request) -> None:
    """A route dependency: 422 naming each field whose text XML 1.0 cannot carry (a NUL, a lone
    surrogate, U+FFFE, a C0 control) in the path, the query or the JSON body — before such a
    value is stored and, much later, refused by whatever builds an XML document from it.

    Only what the route declares is judged: members of the body its model does not name and
    query parameters it does not take are ignored (never read, never stored), as by any route."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    declared = {p.alias for p in getattr(dependant, "query_params", [])}
    query = [(n, v) for n, v in request.query_params.multi_items() if n in declared]
    fields: dict[str, str] = {}
    for name, value in [*request.path_params.items(), *query]:
        char = non_xml_char(str(value))
        if char is not None:
            fields.setdefault(str(name), non_xml_message(char))
    body_field = getattr(route, "body_field", None)
    if body_field is not None and "json" in request.headers.get("content-type", ""):
        try:
            body = await request.json()
        except ValueError:
            body = None  # not JSON: the route's own validation answers
        for name, char in non_xml_fields(declared_members(body, body_field.field_info.annotation)):
            fields.setdefault(name, non_xml_message(char))
    if fields:
        raise InvalidInput(fields)


def declared_members(value: Any, annotation: Any) -> Any:
    """``value`` with only what ``annotation`` (a pydantic model, a list or union of them, a
    scalar) names: the members of a JSON body that a route reads."""
    if isinstance(value, dict):
        model = next((t for t in _alternatives(annotation) if _is_model(t)), None)
        if model is None:
            return value  # a mapping of its own (or not what the route takes: it refuses it)
        fields = model.model_fields.items()
        names = {field.alias or name: field.annotation for name, field in fields}
        return {k: declared_members(v, names[k]) for k, v in value.items() if k in names}
    if isinstance(value, list):
        items = [get_args(t)[0] for t in _alternatives(annotation) if get_origin(t) is list]
        return [declared_members(v, items[0] if items else Any) for v in value]
    return value


def _alternatives(annotation: Any) -> set[Any]:
    """The types a (possibly optional or union) annotation admits."""
    if get_origin(annotation) in (Union, UnionType):
        return set().union(*(_alternatives(arg) for arg in get_args(annotation)))
    if get_origin(annotation) is Annotated:
        return _alternatives(get_args(annotation)[0])
    return {annotation}


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
