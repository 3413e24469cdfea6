"""Typed FastAPI dependencies: the service, and the caller when it must be an operator."""

from typing import Annotated

from fastapi import Depends, Request

from common.auth import Principal, require_role
from common.http import service_of
from notifier.bootstrap import Notifier


def _service(request: Request) -> Notifier:
    service: Notifier = service_of(request)
    return service


NotifierDep = Annotated[Notifier, Depends(_service)]


async def _operator(request: Request, svc: NotifierDep) -> Principal:
    return await require_role(svc.verifier, request, "operator")


Operator = Annotated[Principal, Depends(_operator)]
