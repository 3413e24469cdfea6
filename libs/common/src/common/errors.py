"""What a use case or a domain rule answers when it refuses: one small hierarchy, no framework.

Each kind carries a stable ``code``, a Spanish ``message`` for the person and, for bad input,
the fields it concerns. The HTTP layer (``common.http``) turns them into the error shape of
every API, ``{"error": {"code", "message", "fields"?}}`` with the status of the kind; routes
catch nothing.
"""

from typing import Any


class ApiError(Exception):
    """Base of every refusal; ``status`` is the HTTP status the APIs answer it with."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.headers = fields, headers
        # More members of the error object, beside code, message and fields (lines' wrong SMS
        # code: "attempts_left").
        self.extra: dict[str, Any] = {}


class InvalidInput(ApiError):
    """Bad input, field by field: the one field-error type of every service (422)."""

    def __init__(
        self, fields: dict[str, str], message: str = "Revisa los datos ingresados."
    ) -> None:
        super().__init__(422, "validation_error", message, fields)

    @classmethod
    def field(cls, name: str, message: str) -> "InvalidInput":
        return cls({name: message})

    def renamed(self, prefix: str = "", rename: dict[str, str] | None = None) -> "InvalidInput":
        """The same errors named as the request names its fields (``holder.id_number``)."""
        names = rename or {}
        return InvalidInput(
            {prefix + names.get(k, k): v for k, v in (self.fields or {}).items()}, self.message
        )


class NotFound(ApiError):
    def __init__(self, message: str, code: str = "not_found") -> None:
        super().__init__(404, code, message)


class Conflict(ApiError):
    def __init__(self, code: str, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(409, code, message, fields)


class Gone(ApiError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(410, code, message)


class Unauthorized(ApiError):
    def __init__(self, message: str = "Necesitas iniciar sesión.") -> None:
        super().__init__(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    def __init__(self, code: str = "forbidden", message: str = "No tienes permiso.") -> None:
        super().__init__(403, code, message)


class TooManyRequests(ApiError):
    def __init__(self, code: str, message: str, retry_after: int) -> None:
        super().__init__(429, code, message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class Unavailable(ApiError):
    def __init__(self, code: str, message: str, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        super().__init__(503, code, message, headers=headers)
