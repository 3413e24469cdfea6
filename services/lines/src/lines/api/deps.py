"""Typed dependencies of the routes: the service object and the signed-in customer."""

from typing import Annotated

from fastapi import Depends, Request

from common.auth import Principal, require_role
from common.http import service_of
from lines.bootstrap import Lines


def _service(request: Request) -> Lines:
    service: Lines = service_of(request)
    return service


LinesDep = Annotated[Lines, Depends(_service)]


async def _customer(request: Request, svc: LinesDep) -> Principal:
    """A valid access token with the customer role (401 without one, 403 for other roles)."""
    return await require_role(svc.verifier, request, "customer")


Customer = Annotated[Principal, Depends(_customer)]
