from fastapi import APIRouter
from pydantic import BaseModel, Field

from lines.api.deps import Customer, LinesDep
from lines.api.routes.schemas import CodeSentOut, LineOut
from lines.use_cases import verification

router = APIRouter(prefix="/v1", tags=["lines"])


class CodeIn(BaseModel):
    code: str = Field(max_length=20)


@router.post("/lines/{line_id}/verification")
async def verify_line(line_id: str, body: CodeIn, svc: LinesDep, caller: Customer) -> LineOut:
    """ "Aceptar": the code typed in "CÓDIGO"."""
    line = await verification.verify(svc, caller.user_id, line_id, body.code, svc.clock())
    return LineOut.of_line(line)


@router.post("/lines/{line_id}/verification/resend", status_code=202)
async def resend_code(line_id: str, svc: LinesDep, caller: Customer) -> CodeSentOut:
    sent = await verification.resend_code(svc, caller.user_id, line_id, svc.clock())
    return CodeSentOut.of_sent(sent)
