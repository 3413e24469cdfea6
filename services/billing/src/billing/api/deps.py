"""What every billing route gets injected: the service context and the caller's role."""

from typing import Annotated

from fastapi import Depends, Request

from billing.context import Billing
from common.auth import Principal, require_role


def billing(request: Request) -> Billing:
    return request.app.state.billing  # type: ignore[no-any-return]


Ctx = Annotated[Billing, Depends(billing)]


async def operator(request: Request, ctx: Ctx) -> Principal:
    return await require_role(ctx.verifier, request, "operator")


Operator = Annotated[Principal, Depends(operator)]
