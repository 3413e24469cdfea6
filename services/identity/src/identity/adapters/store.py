"""identity's persistence (MongoDB API): users with their outbox, sessions, captchas."""

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from common.database import Database, Index
from common.outbox import OUTBOX_FIELD, outbox_push
from identity.domain.events import RevocationReason, SessionsRevoked
from identity.domain.lockout import AttemptPlan
from identity.domain.sessions import RefreshToken, SessionFamily
from identity.domain.tokens import IssuedToken
from identity.domain.users import Status, User
from identity.events import to_wire
from identity.ports import ConcurrentUpdate, DuplicateUser, TokenList

USERS, SESSIONS, REFRESH_TOKENS, CAPTCHAS = ("users", "sessions", "refresh_tokens", "captchas")

INDEXES = [
    Index(USERS, [("email_key", 1)], unique=True),
    # One account per identification document. Operators have none: their key is their own id
    # (FerretDB has no partial or sparse unique indexes).
    Index(USERS, [("id_key", 1)], unique=True),
    Index(USERS, [("activation_tokens.token_hash", 1)]),
    Index(USERS, [("reset_tokens.token_hash", 1)]),
    Index(SESSIONS, [("user_id", 1)]),
    Index(REFRESH_TOKENS, [("family_id", 1)]),
    Index(CAPTCHAS, [("expires_at", 1)]),
]
# Users carry their events; sessions carry SessionsRevoked.
OUTBOX_COLLECTIONS = [USERS, SESSIONS]


_TOKEN_LISTS = ("activation_tokens", "reset_tokens")
# Written only by the atomic login-attempt writes below, never by ``save``.
_ATTEMPT_FIELDS = ("failed_logins", "locked_until")


def _to_document(user: User) -> dict[str, Any]:
    doc = {
        f.name: getattr(user, f.name) for f in fields(User) if f.name not in ("events", "user_id")
    }
    doc["_id"] = user.user_id
    doc["status"] = user.status.value
    doc["id_key"] = f"{user.id_type}:{user.id_number}" if user.id_number else f"none:{user.user_id}"
    for name in _TOKEN_LISTS:
        doc[name] = [asdict(t) for t in getattr(user, name)]
    return doc


def _from_document(doc: dict[str, Any]) -> User:
    data = {k: v for k, v in doc.items() if k not in ("_id", "id_key", OUTBOX_FIELD)}
    data["status"] = Status(data["status"])
    for name in _TOKEN_LISTS:
        data[name] = [IssuedToken(**t) for t in data.get(name, [])]
    known = {f.name for f in fields(User)}
    return User(user_id=doc["_id"], **{k: v for k, v in data.items() if k in known})


class UserStore:
    """Users and their outbox: the outbox relay is woken by the write itself."""

    def __init__(self, database: Database) -> None:
        self._users = database[USERS]

    async def add(self, user: User) -> None:
        doc = _to_document(user)
        doc["version"] = 1
        doc[OUTBOX_FIELD] = [to_wire(e).to_document() for e in user.events]
        try:
            await self._users.insert_one(doc)
        except DuplicateKeyError:
            if await self._users.find_one({"email_key": user.email_key}, {"_id": 1}):
                raise DuplicateUser("email") from None
            raise DuplicateUser("id_number") from None
        user.version, user.events = 1, []

    async def save(self, user: User) -> None:
        """Write the user and its new events in one update, if nobody saved it meanwhile."""
        doc = _to_document(user)
        for name in ("_id", *_ATTEMPT_FIELDS):
            doc.pop(name)
        doc["version"] = user.version + 1
        update: dict[str, Any] = {"$set": doc}
        if user.events:
            update |= outbox_push(*map(to_wire, user.events))
        result = await self._users.update_one(
            {"_id": user.user_id, "version": user.version}, update
        )
        if result.matched_count == 0:
            raise ConcurrentUpdate(user.user_id)
        user.version, user.events = user.version + 1, []

    async def by_id(self, user_id: str) -> User | None:
        return await self._one({"_id": user_id})

    async def by_email_key(self, key: str) -> User | None:
        return await self._one({"email_key": key})

    async def by_token(self, kind: TokenList, token_hash: str) -> User | None:
        return await self._one({f"{kind}.token_hash": token_hash})

    async def count_attempt(self, user_id: str, plan: AttemptPlan, now: datetime) -> int | None:
        """One ``$inc`` under the plan's condition: parallel attempts are counted one by one
        (one connection per process serializes them on FerretDB; MongoDB updates a document
        atomically)."""
        update: dict[str, Any] = {"$inc": {"failed_logins": 1}}
        if plan.lock_until is not None:
            update["$set"] = {"locked_until": plan.lock_until}
        # (FerretDB's findAndModify takes no projection: the whole user comes back.)
        doc = await self._users.find_one_and_update(
            {
                "_id": user_id,
                "failed_logins": {"$gte": plan.lowest, "$lte": plan.highest},
                "$or": _not_locked(now),
            },
            update,
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["failed_logins"]) if doc else None

    async def release_attempts(
        self, user_id: str, now: datetime, own_lock: datetime | None
    ) -> bool:
        allowed = _not_locked(now) + ([{"locked_until": own_lock}] if own_lock else [])
        result = await self._users.update_one(
            {"_id": user_id, "$or": allowed},
            {"$set": {"failed_logins": 0, "locked_until": None}},
        )
        return bool(result.matched_count)

    async def clear_attempts(self, user_id: str) -> None:
        await self._users.update_one(
            {"_id": user_id}, {"$set": {"failed_logins": 0, "locked_until": None}}
        )

    async def _one(self, query: dict[str, Any]) -> User | None:
        doc = await self._users.find_one(query, {OUTBOX_FIELD: 0})
        return _from_document(doc) if doc else None


class SessionStore:
    def __init__(self, database: Database) -> None:
        self._sessions = database[SESSIONS]
        self._tokens = database[REFRESH_TOKENS]

    async def start(self, family: SessionFamily, token: RefreshToken) -> None:
        # expires_at: the family's newest token's, so the clean-up knows when it is dead.
        await self._sessions.insert_one(
            {
                "_id": family.family_id,
                **_without(asdict(family), "family_id"),
                "expires_at": token.expires_at,
            }
        )
        await self._tokens.insert_one(_token_document(token))

    async def add_token(self, token: RefreshToken) -> None:
        await self._tokens.insert_one(_token_document(token))
        await self._sessions.update_one(
            {"_id": token.family_id}, {"$set": {"expires_at": token.expires_at}}
        )

    async def token(self, token_hash: str) -> RefreshToken | None:
        doc = await self._tokens.find_one({"_id": token_hash})
        return RefreshToken(token_hash=doc.pop("_id"), **doc) if doc else None

    async def family(self, family_id: str) -> SessionFamily | None:
        doc = await self._sessions.find_one({"_id": family_id}, {"expires_at": 0, OUTBOX_FIELD: 0})
        return SessionFamily(family_id=doc.pop("_id"), **doc) if doc else None

    async def use_token(self, token_hash: str, now: datetime) -> bool:
        """Mark the token used; False if another request used it first (that is a reuse)."""
        doc = await self._tokens.find_one_and_update(
            {"_id": token_hash, "used_at": None},
            {"$set": {"used_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        return doc is not None

    async def revoke_family(
        self, family_id: str, user_id: str, now: datetime, reason: RevocationReason
    ) -> None:
        """End one session of the user; SessionsRevoked leaves with the same write."""
        event = SessionsRevoked(user_id, (family_id,), None, reason)
        await self._sessions.update_one(
            {"_id": family_id, "user_id": user_id, "revoked_at": None},
            {"$set": {"revoked_at": now, "revoked_reason": reason}} | outbox_push(to_wire(event)),
        )

    async def revoke_all(self, user_id: str, now: datetime, reason: RevocationReason) -> None:
        """End every session of the user. Each session's document carries the same event (one
        update for all of them): followers apply it once or several times alike."""
        event = SessionsRevoked(user_id, (), now, reason)
        await self._sessions.update_many(
            {"user_id": user_id, "revoked_at": None},
            {"$set": {"revoked_at": now, "revoked_reason": reason}} | outbox_push(to_wire(event)),
        )

    async def delete_expired(self, now: datetime, created_before: datetime) -> None:
        """Expired refresh tokens, and the families whose newest token expired (families
        started before expires_at was kept go once older than ``created_before``)."""
        await self._tokens.delete_many({"expires_at": {"$lt": now}})
        await self._sessions.delete_many({"expires_at": {"$lt": now}})
        await self._sessions.delete_many(
            {"expires_at": {"$exists": False}, "created_at": {"$lt": created_before}}
        )


class CaptchaStore:
    def __init__(self, database: Database) -> None:
        self._captchas = database[CAPTCHAS]

    async def add(self, captcha_id: str, answer_hash: str, expires_at: datetime) -> None:
        await self._captchas.insert_one(
            {
                "_id": captcha_id,
                "answer_hashes": [answer_hash],
                "audio_hash": None,
                "audios": 0,
                "expires_at": expires_at,
                "used": False,
            }
        )

    async def set_audio_answer(
        self, captcha_id: str, answer_hash: str, now: datetime, most: int
    ) -> bool:
        doc = await self._captchas.find_one_and_update(
            {"_id": captcha_id, "used": False, "expires_at": {"$gt": now}, "audios": {"$lt": most}},
            {"$set": {"audio_hash": answer_hash}, "$inc": {"audios": 1}},
        )
        return doc is not None

    async def consume(self, captcha_id: str, now: datetime) -> list[str] | None:
        """Use the captcha up (whatever the answer): its answer hashes, or None if not usable."""
        doc = await self._captchas.find_one_and_update(
            {"_id": captcha_id, "used": False, "expires_at": {"$gt": now}},
            {"$set": {"used": True}},
        )
        if doc is None:
            return None
        audio = doc.get("audio_hash")
        return [*doc["answer_hashes"], *([audio] if audio else [])]

    async def delete_expired(self, now: datetime) -> None:
        await self._captchas.delete_many({"expires_at": {"$lt": now}})


def _token_document(token: RefreshToken) -> dict[str, Any]:
    return {"_id": token.token_hash, **_without(asdict(token), "token_hash")}


def _not_locked(now: datetime) -> list[dict[str, Any]]:
    return [{"locked_until": None}, {"locked_until": {"$lte": now}}]


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}
