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


async def test_a_killed_worker_breaks_one_render_and_the_pool_is_rebuilt() -> None:
    """SIGKILL mid-render: that document fails (the consumer retries it), the next one renders
    in a new pool."""
    renderer = ProcessPoolRenderer(workers=1, tasks_per_worker=10)
    try:
        xml = authorized(many_lines(60))
        rendering = asyncio.ensure_future(renderer.render(xml))
        pool = renderer._executor()
        for _ in range(100):
            if pool._processes:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the worker is busy with the document
        for pid in list(pool._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await rendering
        assert (await renderer.render(authorized(one_rate()))).startswith(b"%PDF")
    finally:
        renderer.close()
