"""Benchmark (not a test): sign-up → activation email visible in Mailpit, and login throughput.

Runs against the local stack (``make up`` with CAPTCHA_TEST_ANSWER set, as ``make bench`` does):

    uv run python bench/identity.py --signups 200 --logins 400 --concurrency 8

Email latency = Mailpit's receive time of the message minus the moment the sign-up request was
sent (same machine, same clock). Prints p50/p95/max; login prints requests/s and p50/p99.
"""

import argparse
import asyncio
import statistics
import time
from datetime import datetime

import httpx

from tests.support import (
    IDENTITY,
    MAILPIT,
    link_token,
    new_captcha,
    register,
    registration,
    unique_email,
    wait_for_mail,
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def captchas(client: httpx.AsyncClient, count: int, concurrency: int) -> list[str]:
    """Captchas are a step of their own (image + audio: CPU-heavy), solved before signing up."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> str:
        async with gate:
            return await new_captcha(client)

    started = time.perf_counter()
    ids = await asyncio.gather(*(one() for _ in range(count)))
    print(f"captchas: {count / (time.perf_counter() - started):.1f}/s")
    return list(ids)


async def signups(
    client: httpx.AsyncClient, count: int, concurrency: int, rate: float
) -> dict[str, float]:
    """Sign-ups arrive at ``rate`` per second (open loop), as real customers do."""
    sent_at: dict[str, float] = {}
    solved = await captchas(client, count, concurrency)

    async def one(index: int, captcha_id: str) -> None:
        await asyncio.sleep(index / rate)
        email = unique_email("bench")
        sent_at[email] = time.time()
        response = await register(client, registration(email, captcha_id=captcha_id))
        response.raise_for_status()

    await asyncio.gather(*(one(i, c) for i, c in enumerate(solved)))
    latencies: dict[str, float] = {}
    deadline = time.time() + 120
    while len(latencies) < count and time.time() < deadline:
        response = await client.get(
            f"{MAILPIT}/api/v1/search", params={"query": "bench.", "limit": 1000}
        )
        for message in response.json()["messages"]:
            to = message["To"][0]["Address"]
            if to in sent_at and to not in latencies:
                received = datetime.fromisoformat(
                    message["Created"].replace("Z", "+00:00")
                ).timestamp()
                latencies[to] = received - sent_at[to]
        await asyncio.sleep(0.5)
    if len(latencies) < count:
        raise SystemExit(f"only {len(latencies)} of {count} emails arrived")
    return latencies


async def logins(
    client: httpx.AsyncClient, count: int, concurrency: int
) -> tuple[float, list[float]]:
    email = unique_email("bench-login")
    body = registration(email)
    (await register(client, body)).raise_for_status()
    [mail] = await wait_for_mail(client, email)
    token = {"token": link_token(mail, "/activar")}
    (await client.post(f"{IDENTITY}/activations", json=token)).raise_for_status()
    durations: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            started = time.perf_counter()
            response = await client.post(
                f"{IDENTITY}/sessions", json={"email": email, "password": body["password"]}
            )
            durations.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (time.perf_counter() - started), durations


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signups", type=int, default=200)
    parser.add_argument("--logins", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=10.0, help="sign-ups per second")
    args = parser.parse_args()
    async with httpx.AsyncClient(timeout=60) as client:
        await client.delete(f"{MAILPIT}/api/v1/search", params={"query": "bench."})
        latencies = list(
            (await signups(client, args.signups, args.concurrency, args.rate)).values()
        )
        rate, durations = await logins(client, args.logins, args.concurrency)
    ms = [v * 1000 for v in latencies]
    print(f"sign-up → email in Mailpit ({len(ms)} sign-ups at {args.rate:g}/s):")
    print(
        f"  p50 {percentile(ms, 50):.0f} ms  p95 {percentile(ms, 95):.0f} ms  max {max(ms):.0f} ms"
        f"  mean {statistics.mean(ms):.0f} ms"
    )
    lat = [d * 1000 for d in durations]
    print(f"login ({args.logins} requests, concurrency {args.concurrency}):")
    print(f"  {rate:.1f} req/s  p50 {percentile(lat, 50):.0f} ms  p99 {percentile(lat, 99):.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
