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

from concurrent.futures import ProcessPoolExecutor

from common.process_pool import RecoveringProcessPool
from rendering.adapters.pdf import RideRenderer

_renderer: RideRenderer | None = None


def _start_worker() -> None:
    global _renderer
    _renderer = RideRenderer()


def _render(xml: bytes, doc_type: str) -> bytes:
    renderer = _renderer or RideRenderer()
    return renderer.render(xml, doc_type)


class ProcessPoolRenderer:
    """The pool and its recovery are ``common.process_pool.RecoveringProcessPool``'s."""

    def __init__(self, workers: int, tasks_per_worker: int, broken_pool_retries: int = 2) -> None:
        self.workers = workers
        self.tasks_per_worker = tasks_per_worker
        self.broken_pool_retries = broken_pool_retries
        self._pool = RecoveringProcessPool(
            workers,
            initializer=_start_worker,
            max_tasks_per_child=tasks_per_worker,
            broken_pool_retries=broken_pool_retries,
        )

    @property
    def healthy(self) -> bool:
        """False while its pool cannot be recreated into one that renders."""
        return self._pool.healthy

    def _executor(self) -> ProcessPoolExecutor:
        return self._pool.executor()

    async def render(self, xml: bytes, doc_type: str = "01") -> bytes:
        return await self._pool.run(_render, xml, doc_type)

    def close(self) -> None:
        self._pool.close()
