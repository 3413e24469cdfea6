"""Operator command: list or requeue the outbox entries the relay parked (common/outbox.py).

    python -m common.parked list billing
    python -m common.parked requeue billing [<event id> ...]

``list`` prints each parked entry of the service's database (event id, topic, size, attempts,
error). ``requeue`` puts entries back at the end of their document's outbox (all of them, or the
ones named) and removes them from ``outbox_parked``; the service's relay publishes them at its
next sweep (``OUTBOX_SWEEP_SECONDS``). Fix the cause first (message size, topic, ACL), or they
are parked again. An entry whose document is gone stays parked.
"""

import argparse
import asyncio
import os
from typing import Any

from common.database import Database
from common.outbox import OUTBOX_FIELD, PARKED


async def parked(database: Database, ids: list[str] | None = None) -> list[dict[str, Any]]:
    query = {"_id": {"$in": ids}} if ids else {}
    return [doc async for doc in database.raw(PARKED).find(query)]


async def requeue(database: Database, ids: list[str] | None = None) -> int:
    """Back into their documents' outboxes; how many."""
    count = 0
    for record in await parked(database, ids):
        document = database.raw(record["collection"])
        result = await document.update_one(
            {"_id": record["document_id"]}, {"$push": {OUTBOX_FIELD: record["entry"]}}
        )
        if result.matched_count:
            await database.raw(PARKED).delete_one({"_id": record["_id"]})
            count += 1
    return count


async def run(action: str, name: str, ids: list[str], url: str) -> None:
    database = Database(url, name)
    try:
        if action == "list":
            for record in await parked(database, ids):
                entry = record["entry"]
                print(
                    record["_id"],
                    entry.get("topic"),
                    f"{len(entry.get('payload', ''))} B",
                    f"attempts={record.get('attempts')}",
                    record.get("error", "")[:200],
                )
        else:
            print(f"requeued {await requeue(database, ids)} entry(ies)")
    finally:
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("action", choices=["list", "requeue"])
    parser.add_argument("database", help="the service's database (its name, e.g. billing)")
    parser.add_argument("event_ids", nargs="*", help="only these entries (default: all)")
    parser.add_argument(
        "--mongodb-url", default=os.environ.get("MONGODB_URL", "mongodb://127.0.0.1:27017/")
    )
    args = parser.parse_args()
    asyncio.run(run(args.action, args.database, args.event_ids, args.mongodb_url))


if __name__ == "__main__":
    main()
