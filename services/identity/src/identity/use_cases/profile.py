"""The signed-in person's own account."""

from identity.domain.users import User
from identity.ports import IdentityService
from identity.use_cases._refusals import session_refused


async def me(svc: IdentityService, user_id: str) -> User:
    user = await svc.users.by_id(user_id)
    if user is None:
        raise session_refused()
    return user
