"""The RIDE PDFs in GridFS (bucket ``ride_pdfs``), one file per clave de acceso.

The file's ``_id`` is the clave: a second upload under the same clave fails on the unique id
instead of storing a second PDF. Works on FerretDB 1.24 (tests/integration) and on MongoDB.
"""

from typing import Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.errors import DuplicateKeyError

from common.database import Database
from rendering.domain.rides import StoredPdf

BUCKET = "ride_pdfs"


class GridFsRideStorage:
    def __init__(self, database: Database, bucket: str = BUCKET) -> None:
        # GridFS needs the plain PyMongo database (its own collections carry no outbox).
        self._database = database.db
        self._name = bucket
        self._bucket: AsyncGridFSBucket | None = None

    @property
    def bucket(self) -> AsyncGridFSBucket:
        if self._bucket is None:  # built on first use: no I/O at bootstrap
            self._bucket = AsyncGridFSBucket(self._database, bucket_name=self._name)
        return self._bucket

    async def exists(self, access_key: str) -> bool:
        files: Any = self._database[f"{self._name}.files"]
        return await files.find_one({"_id": access_key}, {"_id": 1}) is not None

    async def put(self, access_key: str, number: str, pdf: bytes) -> None:
        if await self.exists(access_key):
            return
        try:
            await self.bucket.upload_from_stream_with_id(
                access_key,
                f"{access_key}.pdf",
                pdf,
                metadata={"number": number, "content_type": "application/pdf"},
            )
        except DuplicateKeyError:
            return  # stored meanwhile by another attempt: that one stays

    async def get(self, access_key: str) -> StoredPdf | None:
        try:
            stream = await self.bucket.open_download_stream(access_key)
        except NoFile:
            return None
        content = await stream.read()
        metadata = stream.metadata or {}
        return StoredPdf(
            access_key=access_key, number=str(metadata.get("number", "")), content=content
        )
