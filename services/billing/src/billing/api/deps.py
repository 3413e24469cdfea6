"""What every billing route gets injected: the service object and the caller's role."""

from typing import Annotated

from fastapi import Depends, Request

from billing.bootstrap import Billing
from billing.domain.ownership import Viewer
from common.auth import Principal, bearer_token, require_role
from common.errors import Forbidden
from common.http import service_of


def billing(request: Request) -> Billing:
    service: Billing = service_of(request)
    return service


BillingDep = Annotated[Billing, Depends(billing)]
# The invoice side's name for it, kept until merged.
Ctx = BillingDep


async def operator(request: Request, svc: BillingDep) -> Principal:
    return await require_role(svc.verifier, request, "operator")


Operator = Annotated[Principal, Depends(operator)]


async def viewer(request: Request, svc: BillingDep) -> Viewer:
    """An operator, or a customer (what they may read is the use cases' to decide)."""
    principal = await svc.verifier.verify(bearer_token(request))
    if principal.has_role("operator"):
        return Viewer(principal.user_id, operator=True)
    if principal.has_role("customer"):
        return Viewer(principal.user_id)
    raise Forbidden(message="No tienes permiso para esta acción.")


# The caller of a read open to customers (their own lines) and operators (everything).
Reader = Annotated[Viewer, Depends(viewer)]
