"""Load the demo operator and a few customer accounts with months of invoices (``make up``).

Runs as an operator through the gateway, like any API client. Idempotent: the issuer and plans
are upserts, accounts are looked up by holder id first, charges and payments carry idempotency
keys, and a bill run of a (cycle day, period) never invoices an account twice.

Invoices are issued the way an operator would within SRI's 72-hour transmission window
(docs/sri.md §9): the last closed month at its cut-off while SRI still takes that date, else
with today's date; the older months, which no earlier system invoiced here, are issued now with
today's date (each line names its period). Billing has no import of documents authorized
elsewhere, so they are not loaded as history. Their payments are dated when they are loaded.

    python deploy/local/demo_data.py   (GATEWAY_URL, OPERATOR_EMAIL, OPERATOR_PASSWORD)
"""

import os
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080")
BILLING = f"{GATEWAY}/api/billing/v1"
ECUADOR = ZoneInfo("America/Guayaquil")
MONTHS_OF_INVOICES = 3

# A fictitious operator; the RUC passes SRI's check-digit rules (docs/sri.md §7's example).
ISSUER = {
    "ruc": "1790011674001",
    "razon_social": "TELECOMUNICACIONES DEMO DEL ECUADOR S.A.",
    "nombre_comercial": "Demo Telecom",
    "dir_matriz": "Av. Amazonas N24-196 y Luis Cordero, Quito",
    "obligado_contabilidad": True,
    # Fictitious on purpose (not the 5368 of SRI's sample factura, nor any real designation).
    "contribuyente_especial": "DEMO001",
    "ambiente": "pruebas",
    "establishments": [
        {
            "code": "001",
            "address": "Av. Amazonas N24-196 y Luis Cordero, Quito",
            "emission_points": ["001"],
        }
    ],
    "billing_point": {"establishment": "001", "emission_point": "001"},
}
PLANS = [
    {
        "code": "MOVIL-15",
        "name": "Plan Móvil 15 GB",
        "service_type": "movil",
        "monthly_fee": "15.00",
        "tax_code": "4",
    },
    {
        "code": "MOVIL-30",
        "name": "Plan Móvil Ilimitado",
        "service_type": "movil",
        "monthly_fee": "29.99",
        "tax_code": "4",
    },
    {
        "code": "FIJO-HOGAR",
        "name": "Telefonía Fija Hogar",
        "service_type": "fijo",
        "monthly_fee": "6.20",
        "tax_code": "4",
    },
    {
        "code": "INTERNET-100",
        "name": "Internet Hogar 100 Mbps",
        "service_type": "internet",
        "monthly_fee": "25.00",
        "tax_code": "4",
    },
    {
        "code": "TV-PLUS",
        "name": "TV Plus",
        "service_type": "tv",
        "monthly_fee": "20.00",
        "tax_code": "4",
        # ICE on pay TV: 3092 at 0 % in SRI's current table (docs/sri.md §9); the rate is the
        # billing tax catalog's, so only the code is sent.
        "ice": {"rate_code": "3092"},
    },
]


def _periods(today: date) -> list[str]:
    """The last closed calendar months, oldest first."""
    first = today.replace(day=1)
    labels = []
    for _ in range(MONTHS_OF_INVOICES):
        first = (first - timedelta(days=1)).replace(day=1)
        labels.append(f"{first:%Y-%m}")
    return labels[::-1]


def _subscription(number: str, service_type: str, plan: str, start: str) -> dict[str, str]:
    return {"number": number, "service_type": service_type, "plan_code": plan, "start_date": start}


def _holder(*values: str) -> dict[str, str]:
    keys = ("id_type", "id_number", "name", "address", "email", "phone")
    return dict(zip(keys, values, strict=True))


def _person_account(start: str, mid: str, periods: list[str]) -> dict[str, Any]:
    """A cédula holder with a mobile and a fixed line, a one-off charge, two months paid."""
    return {
        "holder": _holder(
            "cedula",
            "1714307103",
            "María José Pérez Ñáñez",
            "Calle Los Ceibos 123, Quito",
            "maria.perez@demo.ec",
            "0991234567",
        ),
        "cycle_day": 1,
        "payment_method": "19",
        "subscriptions": [
            _subscription("0991234567", "movil", "MOVIL-30", start),
            _subscription("022345678", "fijo", "FIJO-HOGAR", start),
        ],
        "charges": [
            {
                "description": "Reposición de SIM",
                "amount": "5.00",
                "tax_code": "4",
                "period": periods[1],
                "idempotency_key": "demo-sim-1714307103",
            }
        ],
        "payments": [0, 1],  # pays the invoices of these periods, 10 days after issue
    }


def _company_account(start: str, mid: str, periods: list[str]) -> dict[str, Any]:
    """A company (RUC) with two mobiles and an internet line joining mid-month."""
    return {
        "holder": _holder(
            "ruc",
            "0992813024001",  # a customer's RUC (check digit valid), never the issuer's own
            "Comercial Andina Cía. Ltda.",
            "Av. 9 de Octubre 100, Guayaquil",
            "facturas@andina.demo.ec",
            "0987654321",
        ),
        "cycle_day": 1,
        "payment_method": "20",
        "subscriptions": [
            _subscription("0987654321", "movil", "MOVIL-15", start),
            _subscription("0987654322", "movil", "MOVIL-15", start),
            _subscription("042345678", "internet", "INTERNET-100", mid),
        ],
        "charges": [],
        "payments": [0],
    }


def _visitor_account(start: str, mid: str, periods: list[str]) -> dict[str, Any]:
    """A passport holder with a mobile joining mid-month and pay TV (ICE); nothing paid."""
    return {
        "holder": _holder(
            "passport",
            "AB123456",
            "John Smith",
            "Av. Colón 500, Cuenca",
            "john.smith@demo.ec",
            "0991112233",
        ),
        "cycle_day": 1,
        "payment_method": "16",
        "subscriptions": [
            _subscription("0991112233", "movil", "MOVIL-15", mid),
            _subscription("072345678", "tv", "TV-PLUS", start),
        ],
        "charges": [],
        "payments": [],
    }


def _accounts(periods: list[str]) -> list[dict[str, Any]]:
    start = f"{periods[0]}-01"
    mid = f"{periods[1]}-16"  # joins mid-month: a prorated first invoice
    return [
        make(start, mid, periods) for make in (_person_account, _company_account, _visitor_account)
    ]


def _check(response: httpx.Response, *ok: int) -> dict[str, Any]:
    if response.status_code not in ok:
        sys.exit(
            f"demo data: {response.request.method} {response.request.url} → "
            f"{response.status_code} {response.text}"
        )
    return response.json() if response.content else {}


def _login(client: httpx.Client) -> None:
    email = os.environ.get("OPERATOR_EMAIL", "operador@demo.ec")
    password = os.environ["OPERATOR_PASSWORD"]
    body = _check(
        client.post(
            f"{GATEWAY}/api/identity/v1/sessions", json={"email": email, "password": password}
        ),
        200,
    )
    client.headers["Authorization"] = f"Bearer {body['access_token']}"


def _account(client: httpx.Client, spec: dict[str, Any]) -> str:
    found = _check(
        client.get(f"{BILLING}/admin/accounts", params={"id_number": spec["holder"]["id_number"]}),
        200,
    )
    rows = found if isinstance(found, list) else found.get("accounts", [])
    if rows:
        return str(rows[0]["account_id"])
    body = {k: spec[k] for k in ("holder", "cycle_day", "payment_method")}
    account_id = str(_check(client.post(f"{BILLING}/admin/accounts", json=body), 201)["account_id"])
    for sub in spec["subscriptions"]:
        _check(client.post(f"{BILLING}/admin/accounts/{account_id}/subscriptions", json=sub), 201)
    for charge in spec["charges"]:
        _check(client.post(f"{BILLING}/admin/accounts/{account_id}/charges", json=charge), 201)
    return account_id


def _start_run(client: httpx.Client, period: str, last: bool) -> dict[str, Any]:
    """The last closed month at its cut-off while SRI's window allows that date (billing says
    422 when not); anything else with today's date, billing's default."""
    body: dict[str, Any] = {"cycle_day": 1, "period": period}
    if last:
        year, month = map(int, period.split("-"))
        cutoff = date(year + month // 12, month % 12 + 1, 1)
        response = client.post(
            f"{BILLING}/admin/bill-runs", json=body | {"issue_date": cutoff.isoformat()}
        )
        if response.status_code != 422:
            return _check(response, 202)
    return _check(client.post(f"{BILLING}/admin/bill-runs", json=body), 202)


def _bill(client: httpx.Client, period: str, last: bool) -> None:
    run = _start_run(client, period, last)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = _check(client.get(f"{BILLING}/admin/bill-runs/{run['bill_run_id']}"), 200)
        if state["status"] != "running":
            print(
                f"demo data: {period}: {state['invoices']} invoices, "
                f"{state['authorized']} authorized, {state['rejected']} rejected"
            )
            return
        time.sleep(0.5)
    sys.exit(f"demo data: bill run {period} did not finish in 120 s")


def _pay(client: httpx.Client, account_id: str, period: str) -> None:
    invoices = _check(
        client.get(f"{BILLING}/admin/invoices", params={"account_id": account_id}), 200
    )
    for invoice in invoices:
        if invoice["period"] == period and invoice["status"] == "authorized":
            # Ten days after issue; an invoice issued today (a past month's) is paid at once.
            issued = datetime.fromisoformat(invoice["issue_date"]).replace(tzinfo=ECUADOR)
            now = datetime.now(ECUADOR) - timedelta(minutes=5)
            paid_at = min(issued + timedelta(days=10, hours=11), now)
            _check(
                client.post(
                    f"{BILLING}/admin/payments",
                    json={
                        "account_id": account_id,
                        "amount": invoice["total"],
                        "paid_at": paid_at.isoformat(),
                        "channel": "banco",
                        "idempotency_key": f"demo-pay-{invoice['invoice_id']}",
                    },
                ),
                200,
                201,
            )


def _loaded(client: httpx.Client, periods: list[str]) -> bool:
    """The first demo account exists and has its invoice of every period."""
    found = client.get(f"{BILLING}/admin/accounts", params={"id_number": "1714307103"})
    rows = found.json() if found.status_code == 200 else []
    rows = rows if isinstance(rows, list) else rows.get("accounts", [])
    if not rows:
        return False
    invoices = client.get(f"{BILLING}/admin/invoices", params={"account_id": rows[0]["account_id"]})
    return set(periods) <= {i["period"] for i in invoices.json()}


def main() -> None:
    today = datetime.now(ECUADOR).date()
    periods = _periods(today)
    with httpx.Client(timeout=30) as client:
        _login(client)
        if _loaded(client, periods):
            print("demo data: already loaded")
            return
        _check(client.put(f"{BILLING}/admin/issuer", json=ISSUER), 200)
        for plan in PLANS:
            _check(client.put(f"{BILLING}/admin/plans/{plan['code']}", json=plan), 200, 201)
        specs = _accounts(periods)
        ids = [_account(client, spec) for spec in specs]
        # The last closed month first, at its cut-off; then the older ones today: numbers follow
        # issue dates, as they would for an operator taking over unbilled history.
        last = len(periods) - 1
        for index in (last, *range(last)):
            period = periods[index]
            _bill(client, period, last=index == last)
            for account_id, spec in zip(ids, specs, strict=True):
                if index in spec["payments"]:
                    _pay(client, account_id, period)
    print(f"demo data: {len(ids)} accounts, {len(periods)} months ({periods[0]}..{periods[-1]})")


if __name__ == "__main__":
    main()
