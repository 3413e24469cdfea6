"""Benchmark (not a test): a bill run of N accounts against the local stack.

Prints invoices per second to "signed and stored" (the run leaves its invoicing phase) and to
"authorized by the SRI sandbox" (the run completes), the billing process's peak memory, and, in
the same run, a bare loop that only builds and signs the same facturas (the CPU floor) with the
ratio between the two.

    make bench-billing                       (make up, then this with the defaults)
    PYTHONPATH=. uv run python bench/bill_run.py --accounts 10000 --bare 2000

The billing process is one of its own (own database and port, a random issuer RUC), like the
fault tests use; accounts are bulk-imported into its database before it starts.
"""

import argparse
import asyncio
import random
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from billing.adapters.signer import Signer
from billing.adapters.signing import load_pkcs12
from billing.adapters.store import AccountStore, IssuerStore, PlanStore
from billing.domain.accounts import Account, Holder, Plan, Subscription
from billing.domain.bill import bill_lines, build_invoice, lines_total, statement_info
from billing.domain.issuer import issuer_from_config
from billing.domain.periods import BillingPeriod
from billing.domain.statement import Movement, build_statement
from common.database import Database
from deploy.local import demo_data
from tests.billing_support import SECRETS, BillingProcess, make_ruc, operator_headers
from tests.support import MONGODB, make_cedula

PLAN = Plan("BENCH-MOVIL", "Plan Móvil Ilimitado", "movil", Decimal("29.99"))
PERIOD = BillingPeriod.of("2026-10")


def accounts(count: int, rng: random.Random, email_domain: str = "bench.ec") -> list[Account]:
    result = []
    for n in range(count):
        # Every fifth joins mid-period (prorated), every tenth has a promotional discount.
        start = (
            PERIOD.start + timedelta(days=rng.randint(1, 27)) if n % 5 == 0 else date(2026, 1, 1)
        )
        result.append(
            Account(
                account_id=uuid.uuid4().hex,
                holder=Holder(
                    "cedula",
                    make_cedula(rng),
                    f"Cliente Benchmark {n}",
                    "Av. 6 de Diciembre N33-42, Quito",
                    f"cliente{n}@{email_domain}",
                    "",
                ),
                cycle_day=1,
                payment_method="20",
                subscriptions=(
                    Subscription(
                        uuid.uuid4().hex,
                        f"09{80000000 + n:08d}",
                        "movil",
                        PLAN.code,
                        start,
                        monthly_discount=Decimal("3.00") if n % 10 == 0 else Decimal("0.00"),
                    ),
                ),
            )
        )
    return result


def bare_loop(sample: list[Account], issuer_config: dict[str, object]) -> float:
    """Build and sign the same kind of factura, nothing else: invoices per second."""
    password = (SECRETS / "billing-signing.password").read_bytes()
    signer = Signer(load_pkcs12((SECRETS / "billing-signing.p12").read_bytes(), password))
    issuer = issuer_from_config(issuer_config)
    started = time.perf_counter()
    for n, account in enumerate(sample, start=1):
        lines = bill_lines(account, {PLAN.code: PLAN}, PERIOD)
        this = Movement(PERIOD.cutoff, "invoice", "Factura", lines_total(lines), "", PERIOD.label)
        statement = build_statement(PERIOD, [this], due_days=15)
        invoice = build_invoice(
            issuer,
            account,
            lines,
            issue_date=date.today(),
            sequential=n,
            numeric_code=f"{n:08d}",
            additional_info=statement_info(account, PERIOD, statement),
        )
        signer.sign(invoice)
    return len(sample) / (time.perf_counter() - started)


async def seed(
    billing: BillingProcess, issuer: dict[str, object], population: list[Account]
) -> None:
    database = Database(MONGODB, billing.database)
    try:
        await IssuerStore(database).put(issuer)
        await PlanStore(database).put(PLAN)
        store = AccountStore(database)
        for start in range(0, len(population), 1000):
            await store.import_accounts(population[start : start + 1000])
    finally:
        await database.close()


async def outbox_drained(billing: BillingProcess) -> None:
    """Wait until the import's SubscriptionActivated events are published (not part of the run)."""
    database = Database(MONGODB, billing.database)
    try:
        while await database["accounts"].count_documents({"outbox.0": {"$exists": True}}):  # noqa: ASYNC110
            await asyncio.sleep(1)
    finally:
        await database.close()


async def run_to_the_end(billing: BillingProcess) -> dict[str, Any]:
    """Ask for the bill run of PERIOD (cycle day 1) and wait until it is no longer running."""
    async with httpx.AsyncClient(timeout=60) as client:
        client.headers.update(await operator_headers(client))
        response = await client.post(
            f"{billing.url}/admin/bill-runs", json={"cycle_day": 1, "period": PERIOD.label}
        )
        response.raise_for_status()
        run_id = response.json()["bill_run_id"]
        while True:
            state: dict[str, Any] = (
                await client.get(f"{billing.url}/admin/bill-runs/{run_id}")
            ).json()
            if state["status"] != "running":
                return state
            await asyncio.sleep(2.0)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main(count: int, bare: int) -> None:
    rng = random.Random(7)
    population = accounts(count, rng)
    # A new issuer every run: the sandbox remembers numbers (45) across runs.
    issuer = demo_data.ISSUER | {"ruc": make_ruc()}
    bare_rate = bare_loop(population[:bare], issuer)
    print(f"bare build+sign loop: {bare_rate:.0f} invoices/s ({bare} facturas, one core)")

    billing = BillingProcess(OUTBOX_SWEEP_SECONDS="30")
    await seed(billing, issuer, population)
    await billing.start()
    assert billing.process is not None
    try:
        await outbox_drained(billing)
        state = await run_to_the_end(billing)
        invoices = state["invoices"]
        # The service's own timestamps: polling would add the latency of the polls.
        created = datetime.fromisoformat(state["created_at"])
        stored_at = (datetime.fromisoformat(state["invoiced_at"]) - created).total_seconds()
        now = (datetime.fromisoformat(state["completed_at"]) - created).total_seconds()
        stored_rate, authorized_rate = invoices / stored_at, state["authorized"] / now
        print(
            f"accounts: {count}, invoices: {invoices}, authorized: {state['authorized']}, "
            f"rejected: {state['rejected']}"
        )
        print(f"signed and stored: {stored_at:.1f} s → {stored_rate:.0f} invoices/s")
        print(f"authorized by the sandbox: {now:.1f} s → {authorized_rate:.0f} invoices/s")
        print(f"ratio to the bare loop: {stored_rate / bare_rate:.0%}")
        print(f"billing peak memory (VmHWM): {peak_rss_mib(billing.process.pid):.0f} MiB")
    finally:
        billing.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--bare", type=int, default=2_000, help="facturas in the bare loop")
    args = parser.parse_args()
    asyncio.run(main(args.accounts, args.bare))
