"""The HTTP edge every service shares: the error shape of every API (docs/api.md)
``{"error": {"code", "message", "fields"?}}`` and how routes reach the service's parts."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = _STATUS_MESSAGES.get(exc.status_code) or (
            exc.detail if isinstance(exc.detail, str) else "Error."
        )
        return JSONResponse(error_body(code, message), exc.status_code, headers=exc.headers)


def service_of(request: Request) -> Any:
    """The object ``bootstrap`` built for this app (typed by each service's ``api/deps.py``)."""
    return request.app.state.service


async def refuse_non_xml_text(request: Request) -> None:
    """A route dependency: 422 naming each field whose text XML 1.0 cannot carry (a NUL, a lone
    surrogate, U+FFFE, a C0 control) in the path, the query or the JSON body — before such a
    value is stored and, much later, refused by whatever builds an XML document from it."""
    fields: dict[str, str] = {}
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        char = non_xml_char(str(value))
        if char is not None:
            fields.setdefault(str(name), non_xml_message(char))
    if "json" in request.headers.get("content-type", ""):
        try:
            body = await request.json()
        except ValueError:
            body = None  # not JSON: the route's own validation answers
        for name, char in non_xml_fields(body):
            fields.setdefault(name, non_xml_message(char))
    if fields:
        raise InvalidInput(fields)
