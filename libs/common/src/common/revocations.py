"""Revoked sessions, known within seconds to every service that verifies identity's tokens.

Access tokens are verified locally (common/auth.py) and live ``access_token_ttl`` (15 minutes),
so a logout or a password reset would otherwise reach billing and lines only when the tokens
expire. identity publishes ``SessionsRevoked``; each instance of a verifying service follows
that topic without a consumer group (every instance must see every event), starting at the
events of the last token lifetime (older revocations concern expired tokens only), and keeps
them in memory, forgotten once no token they concern can still be valid.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from common.auth import Principal, TokenVerifier
from common.contracts import SessionsRevoked
from common.contracts.identity import SessionsRevokedData
from common.kafka_reads import topic_partitions
from common.kafka_security import client_kwargs
from common.logging import get_logger
from common.settings import ServiceSettings

log = get_logger(__name__)

# identity's access tokens live at most 15 minutes (its ACCESS_TOKEN_TTL_SECONDS may not exceed
# it); one more minute for clocks that differ a little.
MAX_TOKEN_LIFETIME = timedelta(minutes=16)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RevocationList:
    """Sessions (and whole users up to an instant) whose tokens are refused."""

    token_lifetime: timedelta = MAX_TOKEN_LIFETIME
    sessions: dict[str, datetime] = field(default_factory=dict)  # session → forget after
    users: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)  # before, forget

    def apply(self, data: SessionsRevokedData, revoked_at: datetime) -> None:
        forget_after = revoked_at + self.token_lifetime
        for session_id in data.session_ids:
            self.sessions[session_id] = forget_after
        if data.all_before is not None:
            known = self.users.get(data.user_id)
            before = max(data.all_before, known[0]) if known else data.all_before
            self.users[data.user_id] = (before, forget_after)

    def is_revoked(self, principal: Principal) -> bool:
        if principal.session_id is not None and principal.session_id in self.sessions:
            return True
        user = self.users.get(principal.user_id)
        return bool(user and principal.issued_at is not None and principal.issued_at < user[0])

    def forget_expired(self, now: datetime) -> None:
        self.sessions = {s: t for s, t in self.sessions.items() if t > now}
        self.users = {u: v for u, v in self.users.items() if v[1] > now}


async def follow_revocations(
    bootstrap_servers: str,
    revocations: RevocationList,
    poll_seconds: float = 1.0,
    **client: Any,
) -> None:
    """Apply every SessionsRevoked from one token lifetime ago on, until cancelled.
    ``client``: the security arguments (common.kafka_security.client_kwargs)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False, **client
    )
    await consumer.start()
    try:
        await _seek_to_lifetime_ago(consumer, bootstrap_servers, revocations.token_lifetime, client)
        while True:
            batch = await consumer.getmany(timeout_ms=int(poll_seconds * 1000))
            for records in batch.values():
                for record in records:
                    _apply(revocations, record)
            revocations.forget_expired(_now())
    finally:
        await consumer.stop()


async def _seek_to_lifetime_ago(
    consumer: AIOKafkaConsumer,
    bootstrap_servers: str,
    lifetime: timedelta,
    client: dict[str, Any],
) -> None:
    # Until identity has created the topic (at its start-up): polling the cluster.
    topics = [SessionsRevoked.topic]
    while not (partitions := await topic_partitions(bootstrap_servers, topics, **client)):  # noqa: ASYNC110
        await asyncio.sleep(1.0)
    consumer.assign(partitions)
    since = int((_now() - lifetime).timestamp() * 1000)
    offsets = await consumer.offsets_for_times(dict.fromkeys(partitions, since))
    ends = await consumer.end_offsets(partitions)
    for tp in partitions:
        found = offsets.get(tp)
        consumer.seek(tp, found.offset if found is not None else ends[tp])


def _apply(revocations: RevocationList, record: ConsumerRecord[bytes, bytes]) -> None:
    try:
        event = SessionsRevoked.model_validate_json(record.value or b"")
    except ValidationError:
        log.warning("revocation_skipped_malformed", offset=record.offset)
        return
    revocations.apply(event.data, event.occurred_at)


class VerifyingService(Protocol):
    @property
    def verifier(self) -> TokenVerifier: ...

    @property
    def settings(self) -> ServiceSettings: ...


async def follow_session_revocations(svc: VerifyingService) -> None:
    """A service's loop (``ServiceSpec.loops``): keep its verifier's revocation list current."""
    revocations = svc.verifier.revocations
    if not isinstance(revocations, RevocationList):
        return
    while True:
        try:
            await follow_revocations(
                svc.settings.kafka_bootstrap_servers,
                revocations,
                **client_kwargs(svc.settings),
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("revocations_follow_failed")
            await asyncio.sleep(5.0)
