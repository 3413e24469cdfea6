"""Load, change, save with a version check; again if another request saved the user meanwhile."""

from collections.abc import Awaitable, Callable

from common.errors import Conflict
from identity.domain.users import User
from identity.ports import ConcurrentUpdate, UserRepository

ATTEMPTS = 5


async def change_user(
    users: UserRepository,
    load: Callable[[], Awaitable[User | None]],
    change: Callable[[User], object],
) -> User | None:
    """The saved user (its events are in the outbox by then), or None if ``load`` found none."""
    for _ in range(ATTEMPTS):
        user = await load()
        if user is None:
            return None
        change(user)
        try:
            await users.save(user)
        except ConcurrentUpdate:
            continue
        return user
    raise Conflict("conflict", "La cuenta está siendo modificada. Intenta nuevamente.")
