"""Benchmark (not a test): SMS per second through one SMPP bind, notifier's way, in one run.

    make up && PYTHONPATH=. uv run python bench/sms_bind.py --messages 2000 --runs 3

notifier's own SMPP adapter (``SmppGateway``: one transceiver bind, submit_sm with a window of
``SMPP_WINDOW`` in flight) against the local stack's SMSC simulator, sending ``--messages`` code
SMS (UCS-2, one segment) as fast as it accepts them. The baseline, in the same run, is the same
bind with a window of 1 (stop-and-wait: one submit_sm, wait for its resp, the next). Prints SMS/s
for both, their ratio, the p50/p95 of a send (waiting for a window slot included), and the
delivery receipts read back; the median of ``--runs`` runs. Goal on this machine: >= 100 SMS/s
through one bind.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notifier.adapters.smpp import SmppGateway
from notifier.domain.sms import DeliveryReceipt, OutgoingSms, line_code_text
from notifier.settings import NotifierSettings

SECRETS = Path(__file__).resolve().parent.parent / ".local/secrets"


def settings(window: int) -> NotifierSettings:
    return NotifierSettings(
        smpp_system_id="selfcare",
        smpp_password=(SECRETS / "smsc.password").read_text().strip(),
        smpp_window=window,
    )


async def one_bind(messages: int, window: int) -> tuple[float, list[float], int]:
    """SMS/s, the submit latencies, and how many receipts came back."""
    receipts: list[DeliveryReceipt] = []

    async def on_receipt(receipt: DeliveryReceipt) -> None:
        receipts.append(receipt)

    gateway = SmppGateway(settings(window), lambda: datetime.now(UTC))
    holder = asyncio.create_task(gateway.run(on_receipt))
    await asyncio.wait_for(gateway.until_bound(), 10)
    text = line_code_text("Mi Claro", "123456", datetime.now(UTC) + timedelta(minutes=10))
    prefix = f"5939{uuid.uuid4().int % 10**4:04d}"
    latencies: list[float] = []

    async def send(n: int) -> None:
        sms = OutgoingSms(f"{prefix}{n:04d}", text, f"bench-{n}")
        begin = time.perf_counter()
        await gateway.send(sms, None)
        latencies.append(time.perf_counter() - begin)

    started = time.perf_counter()
    await asyncio.gather(*(send(n) for n in range(messages)))
    rate = messages / (time.perf_counter() - started)
    await asyncio.sleep(2)  # receipts follow the resps
    holder.cancel()
    await asyncio.gather(holder, return_exceptions=True)
    await asyncio.sleep(0.5)  # smpp34's threads settle after the unbind (see the adapter)
    return rate, sorted(latencies), len(receipts)


def _ms(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--window", type=int, default=NotifierSettings().smpp_window)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ratios, rates = [], []
    for run in range(1, args.runs + 1):
        base, _, _ = await one_bind(args.messages // 4, 1)
        rate, latencies, receipts = await one_bind(args.messages, args.window)
        rates.append(rate)
        ratios.append(rate / base)
        print(
            f"run {run}: window {args.window} {rate:.0f} SMS/s, window 1 {base:.0f} SMS/s "
            f"(x{rate / base:.1f}); send, window wait included: p50 {_ms(latencies, 0.5):.0f} ms"
            f" p95 {_ms(latencies, 0.95):.0f} ms; receipts {receipts}/{args.messages}"
        )
    print(
        f"median of {args.runs} runs: {statistics.median(rates):.0f} SMS/s through one bind, "
        f"x{statistics.median(ratios):.1f} the stop-and-wait baseline (goal: >= 100 SMS/s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
