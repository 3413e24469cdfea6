"""The fake billing service behind route tests: callers told apart by their bearer token."""

from fastapi import APIRouter, FastAPI

from billing.api import deps
from common.auth import Principal
from common.errors import Unauthorized
from common.http import install_error_handlers
from services.billing.tests.unit.invoice_fakes import FakeBilling

OPERATOR = {"Authorization": "Bearer operator"}
CUSTOMER = {"Authorization": "Bearer customer"}  # user c-1
OTHER_CUSTOMER = {"Authorization": "Bearer other"}  # user c-2
NO_ROLE = {"Authorization": "Bearer nobody"}  # a valid token without a role


class RoleVerifier:
    """Bearer "operator" is an operator, "customer" (c-1) and "other" (c-2) customers,
    "nobody" a user without a role; anything else is refused."""

    async def verify(self, token: str) -> Principal:
        callers = {
            "operator": Principal("op-1", ("operator",), "t-1", None),
            "customer": Principal("c-1", ("customer",), "t-2", None),
            "other": Principal("c-2", ("customer",), "t-3", None),
            "nobody": Principal("n-1", (), "t-4", None),
        }
        if token not in callers:
            raise Unauthorized()
        return callers[token]


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
