"""SessionsRevoked on the real Kafka reaches a running follower within seconds, and a follower
started afterwards (a new instance, a restart) still learns the revocations of the last token
lifetime: both refuse the session's token."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from common.auth import TokenVerifier
from common.contracts import SessionsRevoked
from common.contracts.identity import SessionsRevokedData
from common.errors import ApiError
from common.messaging import ensure_topics
from common.revocations import RevocationList, follow_revocations
from tests.kafka_support import produce, security
from tests.support import KAFKA, access_key_for, access_token_for


@contextlib.asynccontextmanager
async def follower() -> AsyncIterator[RevocationList]:
    revocations = RevocationList()
    task = asyncio.create_task(
        follow_revocations(KAFKA, revocations, poll_seconds=0.2, **security())
    )
    try:
        yield revocations
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def publish_revocation(user_id: str, session_id: str) -> None:
    event = SessionsRevoked(
        data=SessionsRevokedData(user_id=user_id, session_ids=[session_id], reason="logout")
    )
    await produce(SessionsRevoked.topic, event.model_dump_json().encode(), user_id.encode())


async def until_revoked(revocations: RevocationList, session_id: str) -> float:
    started = datetime.now(UTC)
    async with asyncio.timeout(20):
        while session_id not in revocations.sessions:  # noqa: ASYNC110 — the follower's state
            await asyncio.sleep(0.05)
    return (datetime.now(UTC) - started).total_seconds()


async def test_a_revocation_reaches_a_running_follower_and_a_later_one() -> None:
    await ensure_topics(KAFKA, [SessionsRevoked.topic], **security())
    user, session = uuid.uuid4().hex, uuid.uuid4().hex
    token = access_token_for(["customer"], subject=user, session_id=session)
    async with follower() as running:
        await asyncio.sleep(2)  # assigned and positioned at the end
        await publish_revocation(user, session)
        seconds = await until_revoked(running, session)
        assert seconds < 20
    async with follower() as started_later:
        await until_revoked(started_later, session)
    assert (await TokenVerifier(access_key_for).verify(token)).session_id == session
    with pytest.raises(ApiError) as refused:
        await TokenVerifier(access_key_for, started_later).verify(token)
    assert refused.value.status == 401
