"""The fake billing service behind route tests: callers told apart by their bearer token."""

from fastapi import APIRouter, FastAPI

from billing.api import deps
from common.auth import Principal
from common.errors import Unauthorized
from common.http import install_error_handlers
from services.billing.tests.unit.invoice_fakes import FakeBilling

OPERATOR = {"Authorization": "Bearer operator"}


class RoleVerifier:
    """Bearer "operator" is an operator, "customer" a customer; anything else is refused."""

    async def verify(self, token: str) -> Principal:
        if token == "operator":
            return Principal("op-1", ("operator",), "t-1", None)
        if token == "customer":
            return Principal("c-1", (), "t-2", None)
        raise Unauthorized()


class RoutedBilling(FakeBilling):
    """The fake service behind routes: callers are told apart by RoleVerifier."""

    verifier = RoleVerifier()


def routes_app(svc: FakeBilling, *routers: APIRouter) -> FastAPI:
    """A bare app with billing's error shape and ``routers``, its service replaced by ``svc``."""
    app = FastAPI()
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    app.dependency_overrides[deps.billing] = lambda: svc
    return app
