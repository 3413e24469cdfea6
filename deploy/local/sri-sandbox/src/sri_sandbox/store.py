"""SQLite state: received comprobantes (with their precomputed outcome) and the call log.

One connection, used only from the event loop's thread, so no locking is needed. WAL with
synchronous=NORMAL: a commit does not wait for fsync (a power cut may lose the last commits,
which is fine for a sandbox) and readers never block the writer.
"""

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sri_sandbox.messages import Message

_SCHEMA = """
CREATE TABLE IF NOT EXISTS comprobantes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    clave TEXT NOT NULL,
    ruc TEXT NOT NULL,
    cod_doc TEXT NOT NULL,
    estab TEXT NOT NULL,
    pto_emi TEXT NOT NULL,
    secuencial TEXT NOT NULL,
    ambiente TEXT NOT NULL,
    estado TEXT NOT NULL,          -- the outcome decided at reception: AUTORIZADO | NO AUTORIZADO
    mensajes TEXT NOT NULL,        -- JSON list of mensaje objects
    comprobante TEXT NOT NULL,     -- the signed XML as received
    received_at TEXT NOT NULL,
    pending_polls INTEGER NOT NULL, -- authorization queries still to answer EN PROCESO
    authorized_at TEXT             -- set when the outcome is first answered
);
CREATE INDEX IF NOT EXISTS comprobantes_clave ON comprobantes (clave);
CREATE INDEX IF NOT EXISTS comprobantes_numero
    ON comprobantes (ruc, cod_doc, estab, pto_emi, secuencial);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operation TEXT NOT NULL,
    clave TEXT,
    at TEXT NOT NULL,
    result TEXT NOT NULL,
    mensajes TEXT NOT NULL         -- JSON list of identificadores
);
CREATE INDEX IF NOT EXISTS calls_clave ON calls (clave);
"""

AUTORIZADO = "AUTORIZADO"
NO_AUTORIZADO = "NO AUTORIZADO"


@dataclass(frozen=True)
class Received:
    id: int
    clave: str
    ambiente: str
    estado: str
    mensajes: tuple[Message, ...]
    comprobante: str
    pending_polls: int
    authorized_at: str | None


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: tests may create the app in one thread and serve it from
        # another (uvicorn in a background thread); access is still from one thread at a time.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def forget(self) -> None:
        self._db.execute("DELETE FROM comprobantes")
        self._db.execute("DELETE FROM calls")

    # ---------------------------------------------------------------- comprobantes

    def blocks_clave(self, clave: str) -> bool:
        """Already received and not finally refused (SRI lets a NO AUTORIZADO key be re-sent)."""
        row = self._db.execute(
            "SELECT 1 FROM comprobantes WHERE clave = ? AND (estado != ? OR pending_polls > 0)"
            " LIMIT 1",
            (clave, NO_AUTORIZADO),
        ).fetchone()
        return row is not None

    def clave_holding_number(
        self, ruc: str, cod_doc: str, estab: str, pto_emi: str, secuencial: str, clave: str
    ) -> str | None:
        """Another key, not refused, already holding this document number (45)."""
        row = self._db.execute(
            "SELECT clave FROM comprobantes WHERE ruc = ? AND cod_doc = ? AND estab = ?"
            " AND pto_emi = ? AND secuencial = ? AND clave != ? AND estado != ? LIMIT 1",
            (ruc, cod_doc, estab, pto_emi, secuencial, clave, NO_AUTORIZADO),
        ).fetchone()
        return None if row is None else str(row[0])

    def authorized_comprobante(
        self, ruc: str, cod_doc: str, estab: str, pto_emi: str, secuencial: str
    ) -> str | None:
        """The XML of an AUTORIZADO comprobante with that number (notes: the modified factura)."""
        row = self._db.execute(
            "SELECT comprobante FROM comprobantes WHERE ruc = ? AND cod_doc = ? AND estab = ?"
            " AND pto_emi = ? AND secuencial = ? AND estado = ? ORDER BY id DESC LIMIT 1",
            (ruc, cod_doc, estab, pto_emi, secuencial, AUTORIZADO),
        ).fetchone()
        return None if row is None else str(row[0])

    def authorized_comprobantes(self, ruc: str, cod_doc: str) -> list[str]:
        """The XML of every AUTORIZADO comprobante of a RUC and codDoc (a sandbox's volumes)."""
        rows = self._db.execute(
            "SELECT comprobante FROM comprobantes WHERE ruc = ? AND cod_doc = ? AND estado = ?",
            (ruc, cod_doc, AUTORIZADO),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def add(
        self,
        *,
        clave: str,
        number: tuple[str, str, str, str, str],
        ambiente: str,
        estado: str,
        mensajes: list[Message],
        comprobante: str,
        received_at: str,
        pending_polls: int,
    ) -> None:
        self._db.execute(
            "INSERT INTO comprobantes (clave, ruc, cod_doc, estab, pto_emi, secuencial, ambiente,"
            " estado, mensajes, comprobante, received_at, pending_polls)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                clave,
                *number,
                ambiente,
                estado,
                json.dumps([m.to_json() for m in mensajes]),
                comprobante,
                received_at,
                pending_polls,
            ),
        )

    def received(self, clave: str) -> list[Received]:
        """Every reception of the key, newest first."""
        rows = self._db.execute(
            "SELECT id, clave, ambiente, estado, mensajes, comprobante, pending_polls,"
            " authorized_at FROM comprobantes WHERE clave = ? ORDER BY id DESC",
            (clave,),
        ).fetchall()
        return [
            Received(
                id=row[0],
                clave=row[1],
                ambiente=row[2],
                estado=row[3],
                mensajes=tuple(Message.from_json(m) for m in json.loads(row[4])),
                comprobante=row[5],
                pending_polls=row[6],
                authorized_at=row[7],
            )
            for row in rows
        ]

    def poll_pending(self, received_id: int) -> None:
        self._db.execute(
            "UPDATE comprobantes SET pending_polls = pending_polls - 1 WHERE id = ?",
            (received_id,),
        )

    def set_authorized_at(self, received_id: int, at: str) -> None:
        self._db.execute(
            "UPDATE comprobantes SET authorized_at = ? WHERE id = ? AND authorized_at IS NULL",
            (at, received_id),
        )

    # ---------------------------------------------------------------- call log

    def log_call(
        self, operation: str, clave: str | None, at: str, result: str, identifiers: list[str]
    ) -> None:
        self._db.execute(
            "INSERT INTO calls (operation, clave, at, result, mensajes) VALUES (?, ?, ?, ?, ?)",
            (operation, clave, at, result, json.dumps(identifiers)),
        )

    def calls(self, clave: str | None = None, limit: int = 100_000) -> list[dict[str, Any]]:
        args: tuple[object, ...]
        if clave is None:
            query, args = "SELECT * FROM calls ORDER BY id LIMIT ?", (limit,)
        else:
            query, args = "SELECT * FROM calls WHERE clave = ? ORDER BY id LIMIT ?", (clave, limit)
        rows = self._db.execute(query, args).fetchall()
        return [
            {
                "operation": row[1],
                "clave": row[2],
                "at": row[3],
                "result": row[4],
                "mensajes": json.loads(row[5]),
            }
            for row in rows
        ]
