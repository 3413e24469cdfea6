"""A process pool that outlives its workers: CPU-bound work (billing's signing, rendering's
layouts) off the event loop, in spawned processes, rebuilt when one of them dies.

A ``ProcessPoolExecutor`` whose worker dies (SIGKILL, the OOM killer, a crash in C code) is
broken for good: every task in flight and every later submission fails with
``BrokenProcessPool``. Here the broken pool is discarded, a new one started and the task
submitted again, up to ``broken_pool_retries`` times, before the error goes back to the caller.
Workers are spawned, not forked: a fork of a process running asyncio and Kafka clients is unsafe.

``healthy`` is False once a task has failed on every pool it was given — the pool could not be
recreated into one that works (workers that die at start-up, no memory to start them) — and
True again after the next task that completes; a service reports it on ``/healthz``.
"""

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from common.logging import get_logger

log = get_logger(__name__)

R = TypeVar("R")
# How often a pending call looks at the workers, and how long a dead one may stay unnoticed.
WATCH_SECONDS = 1.0
DEAD_WORKER_GRACE_SECONDS = 5.0


class RecoveringProcessPool:
    def __init__(
        self,
        workers: int,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        max_tasks_per_child: int | None = None,
        broken_pool_retries: int = 2,
    ) -> None:
        self.workers = workers
        self.broken_pool_retries = broken_pool_retries
        self._initializer, self._initargs = initializer, initargs
        self._max_tasks_per_child = max_tasks_per_child
        self._pool: ProcessPoolExecutor | None = None
        self.healthy = True
        self.rebuilt = 0  # pools discarded because a worker died

    def executor(self) -> ProcessPoolExecutor:
        """The current pool, started on first use (no processes before that)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=self._initializer,
                initargs=self._initargs,
                max_tasks_per_child=self._max_tasks_per_child,
            )
        return self._pool

    async def run(self, function: Callable[..., R], *args: Any) -> R:
        """``function(*args)`` in a worker (picklable both); a pool broken meanwhile is
        replaced and the call made again, up to ``broken_pool_retries`` times."""
        for retry in range(self.broken_pool_retries + 1):
            pool = self.executor()
            try:
                result = await self._watched(pool, function, *args)
            except BrokenProcessPool as error:
                self._discard(pool)
                self.rebuilt += 1
                log.warning("process_pool_broken", retry=retry, error=str(error))
                if retry == self.broken_pool_retries:
                    self.healthy = False
                    raise
                continue
            except OSError:
                # No worker could be started (no memory, no processes left): as broken.
                self._discard(pool)
                self.healthy = False
                raise
            self.healthy = True
            return result
        raise AssertionError("unreachable")

    async def _watched(
        self, pool: ProcessPoolExecutor, function: Callable[..., R], *args: Any
    ) -> R:
        """The call, raising BrokenProcessPool also when one of the pool's workers is dead and
        the pool has not said so (seen once in a fault test on Python 3.11: a worker SIGKILLed,
        its page's future pending for good)."""
        future = asyncio.get_running_loop().run_in_executor(pool, function, *args)
        dead_since: float | None = None
        while True:
            done, _ = await asyncio.wait({future}, timeout=WATCH_SECONDS)
            if done:
                return future.result()
            # The pool's own bookkeeping (private, but the only view of its processes).
            processes = list(getattr(pool, "_processes", {}).values())
            # exitcode 0: retired after max_tasks_per_child, replaced by the pool itself.
            if not any(p.exitcode not in (None, 0) for p in processes):
                dead_since = None
                continue
            now = asyncio.get_running_loop().time()
            dead_since = dead_since or now
            if now - dead_since >= DEAD_WORKER_GRACE_SECONDS:
                future.cancel()
                raise BrokenProcessPool("a worker died and the pool did not notice")

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.exitcode is None:
                process.kill()  # a pool that hung may not stop its workers itself
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._discard(self._pool)
