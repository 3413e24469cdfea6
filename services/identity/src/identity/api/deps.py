"""Typed dependencies of the routes: the service object and the signed-in caller."""

from typing import Annotated

from fastapi import Depends, Request

from common.auth import Principal, bearer_token
from common.http import service_of
from identity.bootstrap import Identity
from identity.use_cases import sessions

IdentityDep = Annotated[Identity, Depends(service_of)]


async def current_principal(request: Request, svc: IdentityDep) -> Principal:
    """A valid access token whose session was not logged out or revoked."""
    principal = await svc.verifier.verify(bearer_token(request))
    await sessions.check_session(svc, principal.session_id)
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
