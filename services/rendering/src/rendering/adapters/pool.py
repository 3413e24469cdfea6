"""RIDEs rendered in worker processes, so a layout (tens to hundreds of ms of CPU) never blocks
the event loop.

Each worker builds its ``RideRenderer`` once (template, stylesheet and fonts parsed once) in
the pool's initializer, and is replaced after ``tasks_per_worker`` documents so its memory
stays bounded. Workers are spawned, not forked: a fork of a process running asyncio and Kafka
clients is unsafe (and Python refuses ``max_tasks_per_child`` with fork). A worker killed
mid-render breaks the pool, failing every document in flight, not only the one it was laying
out: the pool is rebuilt and those documents are submitted again, up to ``broken_pool_retries``
times, before the error goes back to the consumer (whose own retries, with backoff, follow). So
a worker lost now and then (OOM killer, a node drained) costs a re-render, not a dead letter.
"""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from rendering.adapters.pdf import RideRenderer

_renderer: RideRenderer | None = None


def _start_worker() -> None:
    global _renderer
    _renderer = RideRenderer()


def _render(xml: bytes) -> bytes:
    renderer = _renderer or RideRenderer()
    return renderer.render(xml)


class ProcessPoolRenderer:
    def __init__(self, workers: int, tasks_per_worker: int, broken_pool_retries: int = 2) -> None:
        self.workers = workers
        self.tasks_per_worker = tasks_per_worker
        self.broken_pool_retries = broken_pool_retries
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:  # started on first use: no processes at bootstrap
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                max_tasks_per_child=self.tasks_per_worker,
            )
        return self._pool

    async def render(self, xml: bytes) -> bytes:
        for retry in range(self.broken_pool_retries + 1):
            pool = self._executor()
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, _render, xml)
            except BrokenProcessPool:
                self._discard(pool)
                if retry == self.broken_pool_retries:
                    raise
        raise AssertionError("unreachable")

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._discard(self._pool)
