"""What every billing route gets injected: the service object and the caller's role."""

from typing import Annotated

from fastapi import Depends, Request

from billing.bootstrap import Billing
from common.auth import Principal, require_role
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
