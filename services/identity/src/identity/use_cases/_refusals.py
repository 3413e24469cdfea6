"""Refusals more than one use case gives, with the codes and Spanish messages of the API."""

from common.errors import ApiError, Gone, NotFound, Unauthorized
from identity.domain.tokens import TokenError, TokenProblem


def link_refused(error: TokenError) -> ApiError:
    """An activation or reset link that is unknown (404), used or expired (410)."""
    if error.problem is TokenProblem.USED:
        return Gone("token_used", "Este enlace ya fue usado.")
    if error.problem is TokenProblem.EXPIRED:
        return Gone("token_expired", "El enlace expiró. Solicita uno nuevo.")
    return NotFound("El enlace no es válido. Revisa que esté completo.", code="token_not_found")


def unknown_link() -> ApiError:
    return link_refused(TokenError(TokenProblem.UNKNOWN))


def session_refused() -> Unauthorized:
    """The same answer as ``common.auth.unauthorized()`` (an invalid token gets it there)."""
    return Unauthorized("Tu sesión no es válida o expiró. Inicia sesión nuevamente.")
