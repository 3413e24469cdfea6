"""billing's operator API (API.md §billing, under /admin): issuer, plans, accounts, subscriptions,
charges, payments, adjustments and account statements.

Every route is operator-only (the router's dependency). Request fields are plain strings where the
domain validates them, so a bad value gets a Spanish message naming its field (422 ``fields``);
money travels as decimal strings both ways, never as JSON numbers.
"""

import contextlib
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from billing.api.deps import Ctx, operator
from billing.clock import ECUADOR, today_in_ecuador
from billing.context import Billing
from billing.domain.accounts import (
    Account,
    FieldError,
    Holder,
    Plan,
    Subscription,
    normalize_number,
)
from billing.domain.bill import Charge
from billing.domain.invoice import ExtraTax, clean_text
from billing.domain.money import parse_amount, round_fiscal
from billing.domain.periods import BillingPeriod, parse_period
from billing.domain.statement import Movement, Statement, build_statement
from billing.domain.taxes import ICE, iva_rate
from billing.store.accounts import (
    ACCOUNTS,
    LEDGER,
    AlreadyEnded,
    ConcurrentUpdate,
    IdempotencyConflict,
    LedgerEntry,
    NumberInUse,
    UnknownAccount,
    UnknownSubscription,
    issuer_from_config,
)
from common.errors import ApiError, InvalidInput

router = APIRouter(prefix="/v1", tags=["billing-admin"], dependencies=[Depends(operator)])

# Periods, "today" and payment dates are the operator's local calendar (Ecuador, UTC-5, no DST).
# Payment channels' clocks run a little ahead of ours now and then; more than this is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_THREE_DIGITS = re.compile(r"[0-9]{3}")


def _today() -> date:
    return today_in_ecuador()


def _money(value: Decimal) -> str:
    return f"{round_fiscal(value):.2f}"


@contextlib.contextmanager
def _fields(prefix: str = "", rename: Mapping[str, str] | None = None) -> Iterator[None]:
    """A domain FieldError becomes a 422 naming the request's field."""
    try:
        yield
    except FieldError as error:
        name = (rename or {}).get(error.field, error.field)
        raise InvalidInput({prefix + name: error.message}) from None


def _not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def _account_not_found() -> ApiError:
    return _not_found("No existe una cuenta con ese identificador.")


def _replayed_differently() -> ApiError:
    message = "Esta clave de idempotencia ya se usó con datos diferentes."
    return ApiError(409, "idempotency_conflict", message, {"idempotency_key": message})


# --- parsing request fields -----------------------------------------------------------------------


def _date(value: str, field: str) -> date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput({field: "Use una fecha válida con el formato AAAA-MM-DD."}) from None


def _amount(value: str, field: str) -> Decimal:
    """A signed amount; each caller says which signs it accepts (with its own message)."""
    try:
        return parse_amount(value, allow_negative=True)
    except ValueError:
        raise InvalidInput(
            {field: "Escriba el monto con punto decimal y hasta 2 decimales (12.50)."}
        ) from None


def _positive(value: str, field: str) -> Decimal:
    amount = _amount(value, field)
    if amount <= 0:
        raise InvalidInput({field: "El monto debe ser mayor que cero."})
    return amount


def _not_negative(value: str, field: str) -> Decimal:
    amount = _amount(value, field)
    if amount < 0:
        raise InvalidInput({field: "El monto no puede ser negativo."})
    return amount


def _text(value: str, field: str, max_length: int = 300) -> str:
    try:
        return clean_text(value, what=field, max_length=max_length)
    except ValueError:
        raise InvalidInput({field: f"Debe tener entre 1 y {max_length} caracteres."}) from None


def _idempotency_key(value: str) -> str:
    key = value.strip()
    if not re.fullmatch(r"[\x21-\x7e]{1,100}", key):
        raise InvalidInput(
            {"idempotency_key": "Debe tener de 1 a 100 caracteres visibles, sin espacios."}
        )
    return key


def _tax_code(value: str) -> str:
    try:
        iva_rate(value)
    except ValueError:
        message = "Código de IVA desconocido: use 4 (15%), 0 (0%), 6 (no objeto) o 7 (exento)."
        raise InvalidInput({"tax_code": message}) from None
    return value


def _period_label(value: str, field: str = "period") -> str:
    try:
        year, month = parse_period(value)
    except ValueError:
        raise InvalidInput({field: "Use el formato AAAA-MM."}) from None
    return f"{year:04d}-{month:02d}"


def _past_period(value: str) -> str:
    label = _period_label(value)
    if label > f"{_today():%Y-%m}":
        raise InvalidInput({"period": "El periodo no puede ser posterior al mes actual."})
    return label


def _paid_at(value: str) -> datetime:
    try:
        paid_at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            {"paid_at": "Use fecha y hora ISO 8601, por ejemplo 2026-11-05T10:30:00-05:00."}
        ) from None
    if paid_at.tzinfo is None:
        paid_at = paid_at.replace(tzinfo=ECUADOR)  # a bare time is Ecuador's clock
    if paid_at > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidInput({"paid_at": "La fecha de pago no puede estar en el futuro."})
    # BSON keeps milliseconds: truncating here makes a replay answer exactly the first response.
    return paid_at.astimezone(UTC).replace(microsecond=paid_at.microsecond // 1000 * 1000)


async def _account(ctx: Billing, account_id: str) -> Account:
    account = await ctx.accounts.get(account_id)
    if account is None:
        raise _account_not_found()
    return account


# --- issuer ---------------------------------------------------------------------------------------


class EstablishmentIn(BaseModel):
    code: str
    address: str
    emission_points: list[str]


class BillingPointIn(BaseModel):
    establishment: str
    emission_point: str


class IssuerIn(BaseModel):
    ruc: str
    razon_social: str
    nombre_comercial: str | None = None
    dir_matriz: str
    obligado_contabilidad: bool
    contribuyente_especial: str | None = None
    agente_retencion: str | None = None
    ambiente: Literal["pruebas", "produccion"]
    establishments: list[EstablishmentIn]
    billing_point: BillingPointIn


# The domain Issuer names the attribute first in its ValueError ("ruc must be …").
_ISSUER_FIELDS = {
    "ruc": ("ruc", "El RUC no es válido."),
    "razon_social": ("razon_social", "Debe tener entre 1 y 300 caracteres."),
    "dir_matriz": ("dir_matriz", "Debe tener entre 1 y 300 caracteres."),
    "nombre_comercial": ("nombre_comercial", "Debe tener hasta 300 caracteres."),
    "dir_establecimiento": ("establishments", "La dirección debe tener entre 1 y 300 caracteres."),
    "contribuyente_especial": ("contribuyente_especial", "Debe tener de 3 a 13 letras o dígitos."),
    "billing_point": ("billing_point", "Debe ser un punto de emisión de un establecimiento."),
}


def _establishments(body: IssuerIn) -> list[dict[str, Any]]:
    """Distinct 3-digit codes, distinct emission points, an address each (the RIDE prints it)."""
    codes = [e.code for e in body.establishments]
    if not codes or len(set(codes)) != len(codes):
        raise InvalidInput({"establishments": "Indique establecimientos con códigos distintos."})
    checked = []
    for establishment in body.establishments:
        points = establishment.emission_points
        if not all(_THREE_DIGITS.fullmatch(c) for c in (establishment.code, *points)):
            message = "Los códigos de establecimiento y punto de emisión tienen 3 dígitos (001)."
            raise InvalidInput({"establishments": message})
        if not points or len(set(points)) != len(points):
            message = "Cada establecimiento necesita puntos de emisión distintos."
            raise InvalidInput({"establishments": message})
        address = _text(establishment.address, "establishments")
        checked.append({"code": establishment.code, "address": address, "emission_points": points})
    return checked


def _blank_to_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def _issuer_config(body: IssuerIn) -> dict[str, Any]:
    """The configuration to store, once the domain Issuer accepts it (RUC check included)."""
    config = body.model_dump() | {
        "establishments": _establishments(body),
        "contribuyente_especial": _blank_to_none(body.contribuyente_especial),
        "agente_retencion": _blank_to_none(body.agente_retencion),
    }
    # The factura XSD's agenteRetencion: the resolution number, up to 8 digits.
    if config["agente_retencion"] and not re.fullmatch(r"[0-9]{1,8}", config["agente_retencion"]):
        raise InvalidInput({"agente_retencion": "El número de resolución tiene de 1 a 8 dígitos."})
    try:
        issuer = issuer_from_config(config)
    except ValueError as error:
        field, message = _ISSUER_FIELDS.get(
            str(error).split(" ", 1)[0], ("body", "Revise la configuración del emisor.")
        )
        raise InvalidInput({field: message}) from None
    # Store what the invoices will carry (control characters out, blanks trimmed).
    config |= {
        "razon_social": issuer.razon_social,
        "dir_matriz": issuer.dir_matriz,
        "nombre_comercial": issuer.nombre_comercial,
    }
    return config


@router.get("/admin/issuer", response_model=IssuerIn)
async def get_issuer(ctx: Ctx) -> dict[str, Any]:
    config = await ctx.issuer.get()
    if config is None:
        raise _not_found("El emisor aún no está configurado.")
    return config


@router.put("/admin/issuer", response_model=IssuerIn)
async def put_issuer(body: IssuerIn, ctx: Ctx) -> dict[str, Any]:
    config = _issuer_config(body)
    await ctx.issuer.put(config)
    return config


# --- plans ----------------------------------------------------------------------------------------


class IceIn(BaseModel):
    rate_code: str
    rate: str


class PlanIn(BaseModel):
    name: str
    service_type: str
    monthly_fee: str
    tax_code: str = "4"
    ice: IceIn | None = None


class TaxOut(BaseModel):
    tax: Literal["IVA", "ICE"]
    code: str
    rate: str  # percent


class PlanOut(BaseModel):
    code: str
    name: str
    service_type: str
    monthly_fee: str
    tax_code: str
    ice: IceIn | None
    taxes: list[TaxOut]


def _ice(body: IceIn) -> ExtraTax:
    if not re.fullmatch(r"[0-9]{1,4}", body.rate_code):
        raise InvalidInput({"ice.rate_code": "El código de ICE tiene de 1 a 4 dígitos (3092)."})
    rate = _amount(body.rate, "ice.rate")
    if not 0 < rate < 100:
        raise InvalidInput(
            {"ice.rate": "La tarifa de ICE es un porcentaje mayor que 0 y menor que 100."}
        )
    return ExtraTax(ICE, body.rate_code, rate)


def _plan_out(plan: Plan) -> PlanOut:
    iva = iva_rate(plan.tax_code)
    ice = next((t for t in plan.extra_taxes if t.tax_code == ICE), None)
    taxes = [TaxOut(tax="IVA", code=iva.code, rate=str(iva.rate))]
    taxes += [TaxOut(tax="ICE", code=t.rate_code, rate=str(t.rate)) for t in plan.extra_taxes]
    return PlanOut(
        code=plan.code,
        name=plan.name,
        service_type=plan.service_type,
        monthly_fee=_money(plan.monthly_fee),
        tax_code=plan.tax_code,
        ice=IceIn(rate_code=ice.rate_code, rate=str(ice.rate)) if ice else None,
        taxes=taxes,
    )


@router.get("/admin/plans", response_model=list[PlanOut])
async def list_plans(ctx: Ctx) -> list[PlanOut]:
    return [_plan_out(plan) for plan in (await ctx.plans.all()).values()]


@router.put("/admin/plans/{code}", response_model=PlanOut)
async def put_plan(code: str, body: PlanIn, ctx: Ctx) -> PlanOut:
    fee = _not_negative(body.monthly_fee, "monthly_fee")
    extra = (_ice(body.ice),) if body.ice else ()
    with _fields():
        plan = Plan(code, body.name, body.service_type, fee, body.tax_code, extra)
    await ctx.plans.put(plan)
    return _plan_out(plan)


# --- accounts -------------------------------------------------------------------------------------


class HolderIn(BaseModel):
    id_type: Literal["cedula", "ruc", "passport"]
    id_number: str
    name: str
    address: str
    email: str
    phone: str = ""


class AccountIn(BaseModel):
    holder: HolderIn
    cycle_day: int
    payment_method: str
    # Not in API.md's minimum: lets a script retry a creation without making two accounts.
    idempotency_key: str | None = None


class AccountCreated(BaseModel):
    account_id: str


class SubscriptionOut(BaseModel):
    subscription_id: str
    number: str
    service_type: str
    plan_code: str
    start_date: date
    end_date: date | None
    monthly_discount: str


class AccountOut(BaseModel):
    account_id: str
    holder: HolderIn
    cycle_day: int
    payment_method: str
    subscriptions: list[SubscriptionOut]


def _subscription_out(sub: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        subscription_id=sub.subscription_id,
        number=sub.number,
        service_type=sub.service_type,
        plan_code=sub.plan_code,
        start_date=sub.start_date,
        end_date=sub.end_date,
        monthly_discount=_money(sub.monthly_discount),
    )


def _account_out(account: Account) -> AccountOut:
    holder = account.holder
    return AccountOut(
        account_id=account.account_id,
        holder=HolderIn(
            id_type=holder.id_type,
            id_number=holder.id_number,
            name=holder.name,
            address=holder.address,
            email=holder.email,
            phone=holder.phone,
        ),
        cycle_day=account.cycle_day,
        payment_method=account.payment_method,
        subscriptions=[_subscription_out(s) for s in account.subscriptions],
    )


@router.post("/admin/accounts", status_code=201, response_model=AccountCreated)
async def create_account(body: AccountIn, ctx: Ctx) -> AccountCreated:
    with _fields("holder."):
        holder = Holder(**body.holder.model_dump())
    with _fields():
        account = Account(uuid.uuid4().hex, holder, body.cycle_day, body.payment_method)
    key = _idempotency_key(body.idempotency_key) if body.idempotency_key is not None else None
    try:
        stored = await ctx.accounts.add(account, key)
    except IdempotencyConflict:
        raise _replayed_differently() from None
    return AccountCreated(account_id=stored.account_id)


@router.get("/admin/accounts", response_model=list[AccountOut])
async def find_accounts(ctx: Ctx, id_number: str = Query(min_length=1)) -> list[AccountOut]:
    # Passports are stored upper-case (the domain normalises them); cédula/RUC are digits.
    accounts = await ctx.accounts.by_id_number(id_number.strip().upper())
    return [_account_out(a) for a in accounts]


@router.get("/admin/accounts/{account_id}", response_model=AccountOut)
async def get_account(account_id: str, ctx: Ctx) -> AccountOut:
    return _account_out(await _account(ctx, account_id))


# --- subscriptions --------------------------------------------------------------------------------


class SubscriptionIn(BaseModel):
    number: str
    service_type: str
    plan_code: str
    start_date: str
    end_date: str | None = None
    monthly_discount: str = "0.00"


class EndIn(BaseModel):
    end_date: str


def _number_in_use() -> ApiError:
    message = "Este número ya tiene una suscripción vigente en esas fechas."
    return ApiError(409, "number_in_use", message, {"number": message})


async def _subscription(body: SubscriptionIn, ctx: Billing) -> Subscription:
    plan = await ctx.plans.get(body.plan_code)
    if plan is None:
        raise InvalidInput({"plan_code": "No existe un plan con ese código."})
    if body.service_type != plan.service_type:
        raise InvalidInput(
            {"service_type": f"El plan {plan.code} es de servicio {plan.service_type}."}
        )
    discount = _not_negative(body.monthly_discount, "monthly_discount")
    if discount > plan.monthly_fee:
        raise InvalidInput(
            {"monthly_discount": "El descuento no puede superar la tarifa del plan."}
        )
    start = _date(body.start_date, "start_date")
    end = _date(body.end_date, "end_date") if body.end_date is not None else None
    with _fields():
        return Subscription(
            uuid.uuid4().hex, body.number, body.service_type, plan.code, start, end, discount
        )


@router.post(
    "/admin/accounts/{account_id}/subscriptions", status_code=201, response_model=SubscriptionOut
)
async def add_subscription(account_id: str, body: SubscriptionIn, ctx: Ctx) -> SubscriptionOut:
    await _account(ctx, account_id)  # 404 before judging the body against the catalog
    subscription = await _subscription(body, ctx)
    try:
        stored, created = await ctx.accounts.add_subscription(account_id, subscription)
    except UnknownAccount:
        raise _account_not_found() from None
    except NumberInUse:
        raise _number_in_use() from None
    except ConcurrentUpdate:
        raise ApiError(
            409, "conflict", "Otra operación cambió este número; intente de nuevo."
        ) from None
    if created:
        ctx.runtime.events_written(ACCOUNTS, account_id)
    return _subscription_out(stored)


@router.post(
    "/admin/accounts/{account_id}/subscriptions/{subscription_id}/end",
    response_model=SubscriptionOut,
)
async def end_subscription(
    account_id: str, subscription_id: str, body: EndIn, ctx: Ctx
) -> SubscriptionOut:
    end = _date(body.end_date, "end_date")
    try:
        with _fields():
            ended, changed = await ctx.accounts.end_subscription(account_id, subscription_id, end)
    except UnknownAccount:
        raise _account_not_found() from None
    except UnknownSubscription:
        raise _not_found("La cuenta no tiene esa suscripción.") from None
    except AlreadyEnded as conflict:
        message = (
            f"La suscripción ya termina el {conflict.end_date:%d/%m/%Y}; no se puede extender."
        )
        raise ApiError(409, "already_ended", message, {"end_date": message}) from None
    except ConcurrentUpdate:
        raise ApiError(
            409, "conflict", "Otra operación cambió esta suscripción; intente de nuevo."
        ) from None
    if changed:
        ctx.runtime.events_written(ACCOUNTS, account_id)
    return _subscription_out(ended)


# --- charges --------------------------------------------------------------------------------------


class ChargeIn(BaseModel):
    description: str
    amount: str
    tax_code: str
    period: str
    idempotency_key: str


class ChargeOut(BaseModel):
    charge_id: str
    account_id: str
    description: str
    amount: str
    tax_code: str
    period: str


@router.post("/admin/accounts/{account_id}/charges", status_code=201, response_model=ChargeOut)
async def add_charge(account_id: str, body: ChargeIn, ctx: Ctx) -> ChargeOut:
    await _account(ctx, account_id)
    charge = Charge(
        charge_id=uuid.uuid4().hex,
        description=_text(body.description, "description"),
        amount=_positive(body.amount, "amount"),
        tax_code=_tax_code(body.tax_code),
        period=_past_period(body.period),
    )
    try:
        stored, _ = await ctx.charges.add(
            account_id, charge, _idempotency_key(body.idempotency_key)
        )
    except IdempotencyConflict:
        raise _replayed_differently() from None
    return ChargeOut(
        charge_id=stored.charge_id,
        account_id=account_id,
        description=stored.description,
        amount=_money(stored.amount),
        tax_code=stored.tax_code,
        period=stored.period,
    )


# --- payments and adjustments ---------------------------------------------------------------------


class PaymentIn(BaseModel):
    account_id: str
    amount: str
    paid_at: str
    channel: str
    idempotency_key: str


class PaymentOut(BaseModel):
    payment_id: str
    account_id: str
    amount: str
    paid_at: datetime
    channel: str


class AdjustmentIn(BaseModel):
    amount: str  # signed: positive raises what the customer owes, negative is a credit
    reason: str
    effective_date: str
    idempotency_key: str


class AdjustmentOut(BaseModel):
    adjustment_id: str
    account_id: str
    amount: str
    reason: str
    effective_date: date


async def _record(ctx: Billing, entry: LedgerEntry) -> LedgerEntry:
    try:
        stored, created = await ctx.ledger.add(entry)
    except IdempotencyConflict:
        raise _replayed_differently() from None
    if created and stored.kind == "payment":
        ctx.runtime.events_written(LEDGER, stored.entry_id)
    return stored


@router.post("/admin/payments", status_code=201, response_model=PaymentOut)
async def record_payment(body: PaymentIn, ctx: Ctx) -> PaymentOut:
    amount = _positive(body.amount, "amount")
    paid_at = _paid_at(body.paid_at)
    channel = _text(body.channel, "channel", max_length=50)
    key = _idempotency_key(body.idempotency_key)
    if await ctx.accounts.get(body.account_id) is None:
        raise InvalidInput({"account_id": "No existe una cuenta con ese identificador."})
    entry = LedgerEntry(
        entry_id=uuid.uuid4().hex,
        account_id=body.account_id,
        kind="payment",
        amount=amount,
        on=paid_at.astimezone(ECUADOR).date(),
        description=f"Pago recibido ({channel})",
        idempotency_key=key,
        paid_at=paid_at,
        channel=channel,
    )
    stored = await _record(ctx, entry)
    assert stored.paid_at is not None and stored.channel is not None
    return PaymentOut(
        payment_id=stored.entry_id,
        account_id=stored.account_id,
        amount=_money(stored.amount),
        paid_at=stored.paid_at,
        channel=stored.channel,
    )


@router.post(
    "/admin/accounts/{account_id}/adjustments", status_code=201, response_model=AdjustmentOut
)
async def add_adjustment(account_id: str, body: AdjustmentIn, ctx: Ctx) -> AdjustmentOut:
    await _account(ctx, account_id)
    amount = _amount(body.amount, "amount")
    if amount == 0:
        raise InvalidInput({"amount": "Un ajuste no puede ser cero."})
    effective = _date(body.effective_date, "effective_date")
    if effective > _today():
        raise InvalidInput({"effective_date": "La fecha del ajuste no puede estar en el futuro."})
    entry = LedgerEntry(
        entry_id=uuid.uuid4().hex,
        account_id=account_id,
        kind="adjustment",
        amount=amount,
        on=effective,
        description=_text(body.reason, "reason"),
        idempotency_key=_idempotency_key(body.idempotency_key),
    )
    stored = await _record(ctx, entry)
    return AdjustmentOut(
        adjustment_id=stored.entry_id,
        account_id=account_id,
        amount=_money(stored.amount),
        reason=stored.description,
        effective_date=stored.on,
    )


# --- statements -----------------------------------------------------------------------------------


class MovementOut(BaseModel):
    date: str  # ISO date
    kind: str
    description: str
    amount: str  # signed: positive raises what the customer owes
    reference: str


class StatementOut(BaseModel):
    account_id: str
    period: str
    period_start: date
    period_end: date
    previous_balance: str
    payments: str
    charges: str
    adjustments: str
    balance_due: str
    due_date: date
    movements: list[MovementOut]


def _statement_out(account_id: str, statement: Statement) -> StatementOut:
    return StatementOut(
        account_id=account_id,
        period=statement.period,
        period_start=statement.period_start,
        period_end=statement.period_end,
        previous_balance=_money(statement.previous_balance),
        payments=_money(statement.payments),
        charges=_money(statement.charges),
        adjustments=_money(statement.adjustments),
        balance_due=_money(statement.balance_due),
        due_date=statement.due_date,
        movements=[
            MovementOut(
                date=m.on.isoformat(),
                kind=m.kind,
                description=m.description,
                amount=_money(m.amount),
                reference=m.reference,
            )
            for m in statement.movements
        ],
    )


async def _statement(ctx: Billing, account: Account, label: str) -> StatementOut:
    """Ledger movements (payments, adjustments) and invoices, folded for one period."""
    ids = [account.account_id]
    ledger = await ctx.ledger.movements(ids)
    invoices = await ctx.invoices.movements(ids)
    movements: list[Movement] = [
        *ledger.get(account.account_id, ()),
        *invoices.get(account.account_id, ()),
    ]
    period = BillingPeriod.of(label, account.cycle_day)
    statement = build_statement(period, movements, due_days=ctx.settings.payment_term_days)
    return _statement_out(account.account_id, statement)


@router.get("/admin/accounts/{account_id}/statement", response_model=StatementOut)
async def account_statement(account_id: str, ctx: Ctx, period: str = Query()) -> StatementOut:
    label = _period_label(period)
    return await _statement(ctx, await _account(ctx, account_id), label)


def _holding(accounts: list[Account], number: str, label: str) -> Account | None:
    """The account the number was on in its period (the latest one if it moved meanwhile)."""
    best: tuple[date, Account] | None = None
    for account in accounts:
        period = BillingPeriod.of(label, account.cycle_day)
        for sub in account.active_subscriptions(period.start, period.end):
            if sub.number == number and (best is None or sub.start_date > best[0]):
                best = (sub.start_date, account)
    return best[1] if best else None


@router.get("/statement", response_model=StatementOut)
async def line_statement(ctx: Ctx, line: str = Query(), period: str = Query()) -> StatementOut:
    # Operator-only for now; customers will reach it for lines they verified (API.md).
    with _fields(rename={"number": "line"}):
        number = normalize_number(line)
    label = _period_label(period)
    account = _holding(await ctx.accounts.with_number(number), number, label)
    if account is None:
        raise _not_found("Esta línea no tuvo una suscripción en ese periodo.")
    return await _statement(ctx, account, label)
