"""Benchmark (not a test): RIDEs per second, the naive way against the service's way, in one run.

    PYTHONPATH=. uv run python bench/rides.py --documents 200 --rss-documents 1000

- naive: one process, a new renderer (template, stylesheet, fonts parsed again) for every RIDE;
- service: rendering's own worker pool (``ProcessPoolRenderer``: spawned workers that build the
  renderer once, recycled after ``--tasks-per-worker`` documents), ``--workers`` at a time.
Both render the same one-page authorized factura. Prints documents/s for each and the ratio, the
p50 and p95 per document of each; the latency of one page alone (one warm worker, one document
at a time: what a customer waiting for one RIDE sees, without the other worker competing for
this machine's two cores), and the RSS of every worker process sampled over
``--rss-documents`` documents (first, median and last sample, and the spread), so a worker that
grows shows it. Needs no stack.
"""

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from rendering.adapters.pdf import RideRenderer
from rendering.adapters.pool import ProcessPoolRenderer
from services.rendering.tests.unit import facturas


def one_page_xml() -> bytes:
    return facturas.authorized(facturas.one_rate())


def naive(xml: bytes, documents: int) -> tuple[float, list[float]]:
    durations = []
    started = time.perf_counter()
    for _ in range(documents):
        begin = time.perf_counter()
        RideRenderer().render(xml)
        durations.append(time.perf_counter() - begin)
    return documents / (time.perf_counter() - started), durations


async def service(
    xml: bytes, documents: int, workers: int, tasks_per_worker: int
) -> tuple[float, list[float]]:
    pool = ProcessPoolRenderer(workers, tasks_per_worker)
    await asyncio.gather(*(pool.render(xml) for _ in range(workers)))  # workers up and warm
    gate = asyncio.Semaphore(workers)
    durations: list[float] = []

    async def one() -> None:
        async with gate:
            begin = time.perf_counter()
            await pool.render(xml)
            durations.append(time.perf_counter() - begin)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(documents)))
    rate = documents / (time.perf_counter() - started)
    pool.close()
    return rate, durations


async def latency(xml: bytes, documents: int) -> list[float]:
    """Seconds per document, one at a time through one warm worker of the service's pool."""
    pool = ProcessPoolRenderer(1, documents + 1)
    await pool.render(xml)  # the worker up and warm
    durations = []
    for _ in range(documents):
        begin = time.perf_counter()
        await pool.render(xml)
        durations.append(time.perf_counter() - begin)
    pool.close()
    return durations


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def worker_memory(xml: bytes, documents: int, workers: int) -> dict[int, list[int]]:
    """RSS of each worker after every batch, with recycling off so one worker's growth shows."""
    pool = ProcessPoolRenderer(workers, tasks_per_worker=documents + workers)
    samples: dict[int, list[int]] = {}
    for done in range(0, documents, workers * 10):
        await asyncio.gather(*(pool.render(xml) for _ in range(workers * 10)))
        executor = pool._executor()
        for pid in list(executor._processes):  # the live worker processes
            samples.setdefault(pid, []).append(_rss_kib(pid))
        del done
    pool.close()
    return samples


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--rss-documents", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks-per-worker", type=int, default=200)
    args = parser.parse_args()
    xml = one_page_xml()
    naive_rate, naive_times = naive(xml, args.documents)
    rate, times = asyncio.run(service(xml, args.documents, args.workers, args.tasks_per_worker))
    print(
        f"naive:   {naive_rate:6.1f} RIDEs/s  p50 {_ms(naive_times, 50):6.1f} ms  "
        f"p95 {_ms(naive_times, 95):6.1f} ms  (one process, new renderer each time)"
    )
    print(
        f"service: {rate:6.1f} RIDEs/s  p50 {_ms(times, 50):6.1f} ms  "
        f"p95 {_ms(times, 95):6.1f} ms  ({args.workers} warm workers)"
    )
    print(f"ratio:   {rate / naive_rate:.2f}x")
    alone = asyncio.run(latency(xml, args.documents))
    print(
        f"alone:   p50 {_ms(alone, 50):6.1f} ms  p95 {_ms(alone, 95):6.1f} ms  "
        "(one page at a time, one warm worker)"
    )
    memory = asyncio.run(worker_memory(xml, args.rss_documents, args.workers))
    for pid, kib in memory.items():
        spread = (max(kib) - min(kib)) / statistics.median(kib) * 100
        print(
            f"worker {pid}: RSS first {kib[0] / 1024:.0f} MiB, median "
            f"{statistics.median(kib) / 1024:.0f} MiB, last {kib[-1] / 1024:.0f} MiB over "
            f"{len(kib)} samples ({spread:.1f}% spread)"
        )


if __name__ == "__main__":
    main()
