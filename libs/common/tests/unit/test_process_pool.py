"""The process pool that outlives its workers (common.process_pool): a worker SIGKILLed
mid-task costs the task run again in a new pool; past the retries the error comes back and the
pool reports itself unhealthy until a task completes again. Stdlib functions as the work, so
the spawned workers need nothing of the tests."""

import asyncio
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from common.process_pool import RecoveringProcessPool


async def _kill_worker_mid_task(pool: RecoveringProcessPool) -> "asyncio.Future[None]":
    task = asyncio.ensure_future(pool.run(time.sleep, 1.0))
    executor = pool.executor()
    for _ in range(200):
        if executor._processes:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # spawned and busy sleeping
    for pid in list(executor._processes):
        os.kill(pid, signal.SIGKILL)
    return task


async def test_a_worker_killed_mid_task_costs_the_task_again_in_a_new_pool() -> None:
    pool = RecoveringProcessPool(1, broken_pool_retries=1)
    try:
        first = pool.executor()
        assert await (await _kill_worker_mid_task(pool)) is None
        assert pool.rebuilt == 1 and pool.executor() is not first and pool.healthy
        assert await pool.run(os.getpid) != os.getpid()
    finally:
        pool.close()


async def test_past_its_retries_the_error_comes_back_and_health_says_so() -> None:
    pool = RecoveringProcessPool(1, broken_pool_retries=0)
    try:
        with pytest.raises(BrokenProcessPool):
            await (await _kill_worker_mid_task(pool))
        assert not pool.healthy
        assert await pool.run(os.getpid) != os.getpid()  # a new pool works again
        assert pool.healthy
    finally:
        pool.close()


async def test_a_pool_that_cannot_be_recreated_is_unhealthy() -> None:
    # Every worker dies at start-up (its initializer fails): no pool ever works.
    pool = RecoveringProcessPool(
        1, initializer=os.chdir, initargs=("/no/such/directory",), broken_pool_retries=2
    )
    try:
        with pytest.raises(BrokenProcessPool):
            await pool.run(os.getpid)
        assert not pool.healthy and pool.rebuilt == 3
    finally:
        pool.close()
