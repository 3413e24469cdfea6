from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from lines.api.deps import Customer, LinesDep
from lines.api.routes.schemas import LineCreatedOut, LineOut
from lines.domain.numbers import ServiceType
from lines.use_cases import lines, verification
from lines.use_cases.lines import Consultation

router = APIRouter(prefix="/v1", tags=["lines"])


class LineIn(BaseModel):
    # The OpenAPI lists the kinds; the domain refuses any other with its Spanish message.
    service_type: str = Field(
        max_length=20, json_schema_extra={"enum": [kind.value for kind in ServiceType]}
    )
    number: str = Field(max_length=40)


class InvoiceOut(BaseModel):
    invoice_id: str
    period: str
    number: str
    total: str
    balance_due: str
    issue_date: str


class LineDetailOut(LineOut):
    plan_name: str | None
    subscription_status: str | None
    latest_invoice: InvoiceOut | None

    @classmethod
    def of_consultation(cls, found: Consultation) -> "LineDetailOut":
        invoice = found.latest_invoice
        return cls(
            **LineOut.of_line(found.line).model_dump(),
            plan_name=found.plan_name,
            subscription_status=found.subscription_status,
            latest_invoice=None
            if invoice is None
            else InvoiceOut(
                invoice_id=invoice.invoice_id,
                period=invoice.period,
                number=invoice.invoice_number,
                total=str(invoice.total),
                balance_due=str(invoice.balance_due),
                issue_date=invoice.issue_date.isoformat(),
            ),
        )


@router.post("/lines", status_code=201)
async def create_line(body: LineIn, svc: LinesDep, caller: Customer) -> LineCreatedOut:
    """ "GENERAR": the SMS code is on its way to ``sent_to``."""
    sent = await verification.request_line(
        svc, caller.user_id, body.service_type, body.number, svc.clock()
    )
    return LineCreatedOut.sent(sent)


@router.get("/lines")
async def list_lines(svc: LinesDep, caller: Customer) -> list[LineOut]:
    return [LineOut.of_line(line) for line in await lines.list_lines(svc, caller.user_id)]


@router.get("/lines/{line_id}")
async def consult_line(line_id: str, svc: LinesDep, caller: Customer) -> LineDetailOut:
    """ "Consultar"."""
    found = await lines.consult(svc, caller.user_id, line_id, svc.clock())
    return LineDetailOut.of_consultation(found)


@router.delete("/lines/{line_id}", status_code=204)
async def remove_line(line_id: str, svc: LinesDep, caller: Customer) -> Response:
    await lines.remove_line(svc, caller.user_id, line_id, svc.clock())
    return Response(status_code=204)
