"""Benchmark (not a test): a bill run of N invoices from "authorized" to "email in Mailpit".

    make bench-delivery                                   (make up first; 2,000 invoices)
    PYTHONPATH=. uv run python bench/invoice_delivery.py --accounts 2000

A billing process of its own (own database, a random issuer RUC, accounts bulk-imported as in
``bill_run.py``) runs the bill run against the SRI sandbox; the stack's rendering and notifier do
the rest as they do for any invoice: RIDE rendered in their worker pool, stored, RideRendered,
the invoice email with the PDF and the XML through SMTP into Mailpit. The accounts' emails carry
a tag of this run, so Mailpit's search finds exactly this run's emails.

Prints, from the services' own timestamps (the sandbox's authorization time of each invoice, the
time Mailpit received its email): invoices authorized and emailed, emails per second from the
first authorization to the last email, the latency of each invoice from its authorization to its
email (p50, p95, max), and the invoices with no email or with more than one (both must be 0).
"""

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from bench.bill_run import accounts, outbox_drained, run_to_the_end, seed
from common.database import Database
from deploy.local import demo_data
from tests.billing_support import BillingProcess, make_ruc
from tests.support import MAILPIT, MONGODB

PAGE = 500


async def authorized_at(billing: BillingProcess) -> dict[str, datetime]:
    """Each invoice's authorization time, by the account's email (the key Mailpit gives back)."""
    database = Database(MONGODB, billing.database)
    try:
        emails = {
            doc["_id"]: doc["holder"]["email"]
            async for doc in database["accounts"].find({}, {"holder.email": 1})
        }
        return {
            emails[doc["account_id"]]: doc["authorization"]["authorized_at"]
            async for doc in database["invoices"].find(
                {}, {"account_id": 1, "authorization.authorized_at": 1}
            )
            if doc.get("authorization")
        }
    finally:
        await database.close()


async def emails_of_run(client: httpx.AsyncClient, tag: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        response = await client.get(
            f"{MAILPIT}/api/v1/search",
            params={"query": f'to:"{tag}"', "start": len(found), "limit": PAGE},
        )
        response.raise_for_status()
        page = response.json()["messages"]
        found.extend(page)
        if len(page) < PAGE:
            return found


async def wait_for_emails(tag: str, expected: int, quiet_seconds: float) -> list[dict[str, Any]]:
    """Poll until every expected email arrived, or nothing new came for ``quiet_seconds``."""
    async with httpx.AsyncClient(timeout=60) as client:
        seen, last_change = -1, time.monotonic()
        while True:
            found = await emails_of_run(client, tag)
            if len(found) != seen:
                seen, last_change = len(found), time.monotonic()
                print(f"  emails so far: {seen} of {expected}", flush=True)
            if seen >= expected or time.monotonic() - last_change > quiet_seconds:
                return found
            await asyncio.sleep(15.0)


def _seconds(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def report(authorized: dict[str, datetime], emails: list[dict[str, Any]]) -> None:
    received: dict[str, list[datetime]] = {}
    for message in emails:
        for to in message["To"]:
            received.setdefault(to["Address"].lower(), []).append(
                datetime.fromisoformat(message["Created"])
            )
    counts = Counter({address: len(times) for address, times in received.items()})
    missing = [address for address in authorized if address.lower() not in received]
    twice = [address for address, n in counts.items() if n > 1]
    without_both = [m for m in emails if m.get("Attachments", 0) != 2]
    latencies = [
        (min(received[address.lower()]) - at).total_seconds()
        for address, at in authorized.items()
        if address.lower() in received
    ]
    print(f"invoices authorized: {len(authorized)}, emails received: {len(emails)}")
    print(f"invoices with no email: {len(missing)}, with more than one: {len(twice)}")
    print(f"emails without both attachments (PDF and XML): {len(without_both)}")
    if not latencies:
        return
    first = min(authorized.values())
    last = max(max(times) for times in received.values())
    span = (last - first).total_seconds()
    print(f"first authorization → last email: {span:.1f} s → {len(latencies) / span:.1f} emails/s")
    print(
        f"authorization → email per invoice: p50 {_seconds(latencies, 50):.1f} s, "
        f"p95 {_seconds(latencies, 95):.1f} s, max {max(latencies):.1f} s"
    )


async def main(count: int, quiet_seconds: float) -> None:
    tag = f"entrega-{uuid.uuid4().hex[:8]}.bench.ec"
    population = accounts(count, random.Random(11), email_domain=tag)
    issuer = demo_data.ISSUER | {"ruc": make_ruc()}  # the sandbox remembers numbers across runs
    billing = BillingProcess(OUTBOX_SWEEP_SECONDS="30")
    await seed(billing, issuer, population)
    await billing.start()
    try:
        await outbox_drained(billing)
        state = await run_to_the_end(billing)
        print(
            f"bill run: {state['status']}, invoices {state['invoices']}, "
            f"authorized {state['authorized']}, rejected {state['rejected']}",
            flush=True,
        )
        emails = await wait_for_emails(tag, state["authorized"], quiet_seconds)
        report(await authorized_at(billing), emails)
    finally:
        billing.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument(
        "--quiet-seconds", type=float, default=120, help="give up when no email came for this long"
    )
    args = parser.parse_args()
    asyncio.run(main(args.accounts, args.quiet_seconds))
