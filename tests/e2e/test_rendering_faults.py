"""Rendering workers killed mid-run: bill runs while a killer SIGKILLs the stack's rendering
worker processes at random moments (between documents, mid-layout, mid-write of the result),
many times. Afterwards every invoice has exactly one RIDE (one GridFS file, one RideRendered)
and its holder exactly one invoice email.

A fast machine renders a run's 16 RIDEs in a few seconds, before the killer (a kill every
0.4-3 s, so the pool can recover) has struck often: runs follow one another, killer on, until it
has struck KILLS times (at most ROUNDS runs). Kills much more often would send documents to the
DLQ by design (a pool that keeps breaking), which is not what this test is about."""

import asyncio
import json
import os
import random
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.test_rendering_flow import RENDERED, _bill_run, _ride_files, operator
from tests.kafka_support import all_records, find_record
from tests.support import ROOT, mails_to, wait_for_mail

__all__ = ["operator"]  # the fixture, used by name


def _workers() -> list[int]:
    """The stack's rendering worker processes (spawned children; not the resource tracker)."""
    service = int(Path(ROOT / ".local/run/rendering.pid").read_text())
    children = subprocess.run(
        ["pgrep", "-P", str(service), "-f", "spawn_main"], capture_output=True, text=True
    ).stdout.split()
    return [int(pid) for pid in children]


async def _killer(stop: asyncio.Event, kills: list[int]) -> None:
    rng = random.Random()
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(0.4, 3.0))
        workers = _workers()
        if workers:
            victim = rng.choice(workers)
            try:
                os.kill(victim, signal.SIGKILL)
                kills.append(victim)
            except ProcessLookupError:
                pass  # recycled meanwhile (max_tasks_per_child)


KILLS, ROUNDS = 4, 6


async def _disturbed_run(operator: httpx.AsyncClient, kills: list[int]) -> list[dict[str, Any]]:
    """One bill run of 16 accounts, the killer on until each of its RIDEs is announced."""
    stop = asyncio.Event()
    killer = asyncio.create_task(_killer(stop, kills))
    try:
        invoices: list[dict[str, Any]] = await _bill_run(operator, accounts=16)
        for invoice in invoices:
            await find_record(RENDERED, invoice["invoice_id"].encode(), 600)
    finally:
        stop.set()
        await killer
    return invoices


async def test_killed_rendering_workers_still_give_one_ride_and_one_email_per_invoice(
    operator: httpx.AsyncClient,
) -> None:
    kills: list[int] = []
    invoices: list[dict[str, Any]] = []
    for _ in range(ROUNDS):
        invoices += await _disturbed_run(operator, kills)
        if len(kills) >= KILLS:
            break
    assert len(kills) >= KILLS, f"only {len(kills)} workers killed in {ROUNDS} runs: not disturbed"

    async with httpx.AsyncClient(timeout=30) as client:
        for invoice in invoices:
            await wait_for_mail(client, invoice["holder"]["email"], timeout=120)
        await asyncio.sleep(5)  # a duplicate, if any, would arrive meanwhile
        rendered = await all_records(RENDERED)
        for invoice in invoices:
            key = invoice["invoice_id"].encode()
            announced = [json.loads(r.value) for r in rendered if r.key == key]
            assert len(announced) == 1, (invoice["invoice_id"], announced)
            assert await _ride_files(invoice["access_key"]) == 1
            assert len(await mails_to(client, invoice["holder"]["email"])) == 1
