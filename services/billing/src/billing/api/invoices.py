"""Bill runs and invoices (API.md §billing). Operators only for now; customers reach their own
invoices once lines (verified numbers) exist."""

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from billing.api.deps import Ctx, Operator
from billing.clock import today_in_ecuador
from billing.domain.periods import MAX_CYCLE_DAY, BillingPeriod
from billing.domain.submission import OPEN, REJECTED, State, public_status
from billing.invoicing import new_bill_run
from common.errors import ApiError, InvalidInput

router = APIRouter(prefix="/v1", tags=["billing-invoices"])
# REFERENCE §5, message 65: SRI refuses issue dates older than this.
MAX_BACKDATE_DAYS = 90


def today() -> date:
    return today_in_ecuador()


class BillRunIn(BaseModel):
    cycle_day: int
    period: str
    # Defaults to today; may be set back to the cut-off (within SRI's window) for a late run.
    issue_date: date | None = None


class BillRunCreated(BaseModel):
    bill_run_id: str
    status: str


def _bill_run_input(body: BillRunIn) -> tuple[BillingPeriod, date]:
    if not 1 <= body.cycle_day <= MAX_CYCLE_DAY:
        raise InvalidInput({"cycle_day": f"El día de corte debe estar entre 1 y {MAX_CYCLE_DAY}."})
    try:
        period = BillingPeriod.of(body.period, body.cycle_day)
    except ValueError:
        raise InvalidInput({"period": "El período debe tener el formato AAAA-MM."}) from None
    now = today()
    if not period.is_closed(now):
        raise InvalidInput(
            {"period": f"El período aún no termina: se puede facturar desde el {period.cutoff}."}
        )
    issue_date = body.issue_date or now
    if not period.cutoff <= issue_date <= now:
        raise InvalidInput(
            {"issue_date": "La fecha de emisión debe estar entre el corte del período y hoy."}
        )
    if (now - issue_date) > timedelta(days=MAX_BACKDATE_DAYS):
        raise InvalidInput(
            {"issue_date": f"El SRI no acepta fechas de más de {MAX_BACKDATE_DAYS} días atrás."}
        )
    return period, issue_date


@router.post("/admin/bill-runs", status_code=202, response_model=BillRunCreated)
async def start_bill_run(body: BillRunIn, ctx: Ctx, _: Operator) -> BillRunCreated:
    """Start (or resume) the bill run of a cycle day and period: one invoice per account."""
    period, issue_date = _bill_run_input(body)
    if await ctx.issuer.issuer() is None:
        raise ApiError(
            409, "issuer_not_configured", "Configura primero los datos del emisor (RUC, matriz)."
        )
    run, _created = await ctx.bill_runs.open(new_bill_run(body.cycle_day, period, issue_date))
    ctx.wake_bill_runs()
    return BillRunCreated(bill_run_id=run["_id"], status=run["status"])


@router.get("/admin/bill-runs/{bill_run_id}")
async def bill_run(bill_run_id: str, ctx: Ctx, _: Operator) -> dict[str, Any]:
    run = await ctx.bill_runs.get(bill_run_id)
    if run is None:
        raise ApiError(404, "not_found", "No existe ese ciclo de facturación.")
    if run.get("phase") == "invoicing":
        # Cheap while signing and storing (nothing is submitted meanwhile): the run's counter.
        counts = {State.SIGNED.value: int(run.get("invoices_created", 0))}
    else:
        counts = await ctx.invoices.count_by_state(bill_run_id)
    pending = sum(n for state, n in counts.items() if State(state) in OPEN)
    return {
        "bill_run_id": run["_id"],
        "cycle_day": run["cycle_day"],
        "period": run["period"],
        "issue_date": run["issue_date"],
        "status": run["status"],
        "phase": run.get("phase"),
        "accounts_processed": run.get("accounts_processed", 0),
        "invoices": sum(counts.values()),
        "authorized": counts.get(State.AUTHORIZED.value, 0),
        "rejected": sum(n for state, n in counts.items() if State(state) in REJECTED),
        "pending": pending,
        "failed": run.get("accounts_failed", 0),
        "error": run.get("error"),
        "created_at": run["created_at"],
        # Every invoice signed and stored (the last pass, if the run was reopened).
        "invoiced_at": run.get("invoiced_at"),
        "completed_at": run.get("completed_at"),
    }


def _row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "invoice_id": doc["_id"],
        "account_id": doc["account_id"],
        "period": doc["period"],
        "number": doc["number"],
        "issue_date": doc["issue_date"],
        "total": doc["totals"]["total"],
        "status": public_status(State(doc["state"])),
    }


@router.get("/admin/invoices")
async def invoices_of_account(
    account_id: Annotated[str, Query(min_length=1)], ctx: Ctx, _: Operator
) -> list[dict[str, Any]]:
    """An account's invoices, newest period first."""
    return [_row(doc) for doc in await ctx.invoices.for_account(account_id)]


async def _invoice(ctx: Ctx, invoice_id: str) -> dict[str, Any]:
    doc = await ctx.invoices.get(invoice_id)
    if doc is None:
        raise ApiError(404, "not_found", "No encontramos esa factura.")
    return doc


@router.get("/invoices/{invoice_id}")
async def invoice(invoice_id: str, ctx: Ctx, _: Operator) -> dict[str, Any]:
    doc = await _invoice(ctx, invoice_id)
    authorization = doc.get("authorization") or {}
    return {
        **_row(doc),
        "access_key": doc["access_key"],
        "authorization_number": authorization.get("number"),
        "authorization_date": authorization.get("authorized_at"),
        "environment": authorization.get("environment"),
        "sri_state": doc["state"],
        "sri_messages": doc.get("sri_messages", []),
        "holder": doc["holder"],
        "lines": doc["lines_numbers"],
        "items": doc["items"],
        "totals": doc["totals"],
        "statement": doc["statement"],
        "bill_run_id": doc.get("bill_run_id"),
    }


@router.get("/invoices/{invoice_id}/xml", response_class=Response)
async def invoice_xml(invoice_id: str, ctx: Ctx, _: Operator) -> Response:
    """The fiscal record: SRI's ``autorizacion`` with the signed comprobante inside."""
    doc = await _invoice(ctx, invoice_id)
    xml = await ctx.invoices.authorized_xml(invoice_id) if doc["state"] == "authorized" else None
    if xml is None:
        raise ApiError(409, "not_authorized", "La factura aún no tiene autorización del SRI.")
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{doc["access_key"]}.xml"'},
    )
