"""Typed FastAPI dependencies: the service (downloads are authorized by their signed link)."""

from typing import Annotated

from fastapi import Depends, Request

from common.http import service_of
from rendering.bootstrap import Rendering


def _service(request: Request) -> Rendering:
    service: Rendering = service_of(request)
    return service


RenderingDep = Annotated[Rendering, Depends(_service)]
