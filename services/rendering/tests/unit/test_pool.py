"""The worker pool with the real renderer: documents cross the process boundary and back, a
refusal arrives as the renderer's own error, and workers are replaced after N documents."""

import asyncio
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from rendering.adapters.pool import ProcessPoolRenderer
from rendering.domain.ride import NotAFactura

from .facturas import authorized, many_lines, one_rate


async def test_workers_render_and_are_recycled() -> None:
    renderer = ProcessPoolRenderer(workers=1, tasks_per_worker=1)
    try:
        xml = authorized(one_rate())
        first = await renderer.render(xml)
        second = await renderer.render(xml)  # a new worker: the first retired after one
        assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
        with pytest.raises(NotAFactura):
            await renderer.render(b"<notaCredito/>")
    finally:
        renderer.close()


async def _kill_workers_mid_render(renderer: ProcessPoolRenderer) -> "asyncio.Future[bytes]":
    rendering = asyncio.ensure_future(renderer.render(authorized(many_lines(60))))
    pool = renderer._executor()
    for _ in range(100):
        if pool._processes:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # the worker is busy with the document
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)
    return rendering


async def test_a_killed_worker_costs_a_render_again_in_a_new_pool() -> None:
    """SIGKILL mid-render: the pool is rebuilt and the document rendered again."""
    renderer = ProcessPoolRenderer(workers=1, tasks_per_worker=10, broken_pool_retries=1)
    try:
        rendering = await _kill_workers_mid_render(renderer)
        assert (await rendering).startswith(b"%PDF")
    finally:
        renderer.close()


async def test_a_pool_broken_more_often_than_retried_hands_the_error_back() -> None:
    """Past its retries the document fails (the consumer retries it); the next one renders."""
    renderer = ProcessPoolRenderer(workers=1, tasks_per_worker=10, broken_pool_retries=0)
    try:
        rendering = await _kill_workers_mid_render(renderer)
        with pytest.raises(BrokenProcessPool):
            await rendering
        assert (await renderer.render(authorized(one_rate()))).startswith(b"%PDF")
    finally:
        renderer.close()
