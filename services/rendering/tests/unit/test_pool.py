"""The worker pool with the real renderer: documents cross the process boundary and back, a
refusal arrives as the renderer's own error, and workers are replaced after N documents."""

import pytest

from rendering.adapters.pool import ProcessPoolRenderer
from rendering.domain.ride import NotAFactura

from .facturas import authorized, one_rate


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
