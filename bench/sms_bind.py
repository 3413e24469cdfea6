"""Benchmark (not a test): SMS per second through one SMPP bind, notifier's way, in one run.

    make up && PYTHONPATH=. uv run python bench/sms_bind.py --messages 2000 --runs 3

notifier's own SMPP adapter (``SmppGateway``: one transceiver bind, submit_sm with a window of
``SMPP_WINDOW`` in flight) against the local stack's SMSC simulator, sending ``--messages`` code
SMS (UCS-2, one segment) as fast as it accepts them: ``--window`` senders, each submitting its
next SMS as soon as the previous one is answered, so the window is always full and no send ever
waits for a slot (the adapter gives up on a slot after ``SMPP_WINDOW_WAIT_SECONDS``: 2,000 sends
queued at once would). A send the SMSC refuses for a while (throttled by another test's fault
injection, a lost bind) is tried again and counted, never dropped. The baseline, in the same
run, is the same bind with a window of 1 (stop-and-wait: one submit_sm, wait for its resp, the
next). Prints SMS/s for both, their ratio, the p50/p95 of one submit_sm round trip, the retries
and the delivery receipts read back; the median of ``--runs`` runs. Goal on this machine:
>= 100 SMS/s through one bind.
"""

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notifier.adapters.smpp import SmppGateway
from notifier.domain.errors import TransientDeliveryError
from notifier.domain.sms import DeliveryReceipt, OutgoingSms, line_code_text
from notifier.settings import NotifierSettings

SECRETS = Path(__file__).resolve().parent.parent / ".local/secrets"
# Another test may have the simulator refuse binds for a while (20 s in test_lines_codes).
BIND_WAIT_SECONDS = 120
RETRY_SECONDS = 0.1


def settings(window: int) -> NotifierSettings:
    return NotifierSettings(
        smpp_system_id="selfcare",
        smpp_password=(SECRETS / "smsc.password").read_text().strip(),
        smpp_window=window,
    )


async def one_bind(messages: int, window: int) -> tuple[float, list[float], int, int]:
    """SMS/s, the submit latencies, how many sends were tried again, and the receipts."""
    receipts: list[DeliveryReceipt] = []

    async def on_receipt(receipt: DeliveryReceipt) -> None:
        receipts.append(receipt)

    gateway = SmppGateway(settings(window), lambda: datetime.now(UTC))
    holder = asyncio.create_task(gateway.run(on_receipt))
    await asyncio.wait_for(gateway.until_bound(), BIND_WAIT_SECONDS)
    text = line_code_text("Mi Claro", "123456", datetime.now(UTC) + timedelta(minutes=10))
    prefix = f"5939{uuid.uuid4().int % 10**4:04d}"
    latencies: list[float] = []
    pending = iter(range(messages))
    retries = 0

    async def sender() -> None:
        nonlocal retries
        for n in pending:  # shared by the senders: each SMS is taken once
            sms = OutgoingSms(f"{prefix}{n:04d}", text, f"bench-{n}")
            while True:
                begin = time.perf_counter()
                try:
                    await gateway.send(sms, None)
                except TransientDeliveryError:
                    retries += 1
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                latencies.append(time.perf_counter() - begin)
                break

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(window)))
    rate = messages / (time.perf_counter() - started)
    await asyncio.sleep(2)  # receipts follow the resps
    holder.cancel()
    await asyncio.gather(holder, return_exceptions=True)
    await asyncio.sleep(0.5)  # smpp34's threads settle after the unbind (see the adapter)
    return rate, sorted(latencies), retries, len(receipts)


def _load() -> str:
    """The load average (1, 5, 15 min): the machine is shared, so say how busy it was."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


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
        base, _, _, _ = await one_bind(args.messages // 4, 1)
        rate, latencies, retries, receipts = await one_bind(args.messages, args.window)
        rates.append(rate)
        ratios.append(rate / base)
        print(
            f"run {run}: window {args.window} {rate:.0f} SMS/s, window 1 {base:.0f} SMS/s "
            f"(x{rate / base:.1f}); submit_sm round trip p50 {_ms(latencies, 0.5):.0f} ms"
            f" p95 {_ms(latencies, 0.95):.0f} ms; retried {retries}; "
            f"receipts {receipts}/{args.messages}; load {_load()}"
        )
    print(
        f"median of {args.runs} runs: {statistics.median(rates):.0f} SMS/s through one bind, "
        f"x{statistics.median(ratios):.1f} the stop-and-wait baseline (goal: >= 100 SMS/s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
