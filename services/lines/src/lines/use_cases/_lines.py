"""What more than one use case does with a user's line."""

from collections.abc import Callable

from common.errors import Conflict
from lines.domain.lines import Line, line_not_found
from lines.ports import ConcurrentUpdate, LinesService

ATTEMPTS = 5


async def own_line(svc: LinesService, user_id: str, line_id: str) -> Line:
    """The caller's live line; another user's line, a removed or an unknown one → 404 (the
    same answer: no one learns which line ids exist)."""
    line = await svc.lines.by_id(line_id)
    if line is None or line.user_id != user_id or not line.is_live:
        raise line_not_found()
    return line


def busy() -> Conflict:
    return Conflict("conflict", "La línea está siendo modificada. Intenta nuevamente.")


async def change_line(
    svc: LinesService, user_id: str, line_id: str, change: Callable[[Line], object]
) -> Line:
    """Load the caller's line, change it, save with the version check; again on a race."""
    for _ in range(ATTEMPTS):
        line = await own_line(svc, user_id, line_id)
        change(line)
        try:
            await svc.lines.save(line)
        except ConcurrentUpdate:
            continue
        return line
    raise busy()
