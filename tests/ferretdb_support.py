"""A FerretDB of a test's own (SQLite backend, its own port and data directory): a test may stop
and restart it without touching the stack's database."""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.support import ROOT, free_port


def ferretdb_binary() -> Path:
    """The binary the stack builds (deploy/local/stack.sh): ``FERRETDB_BINARY``, this checkout's
    ``.local/bin``, or, from a git worktree, the main checkout's."""
    if found := os.environ.get("FERRETDB_BINARY"):
        return Path(found)
    candidates = [ROOT / ".local/bin/ferretdb-local"]
    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if common:
        candidates.append(Path(common).parent / ".local/bin/ferretdb-local")
    on_path = shutil.which("ferretdb-local")
    candidates += [Path(on_path)] if on_path else []
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise AssertionError(
        f"no FerretDB binary in {[str(c) for c in candidates]}: run deploy/local/stack.sh install "
        "or set FERRETDB_BINARY"
    )


class PrivateFerretDB:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"mongodb://127.0.0.1:{self.port}/"
        self.log = ROOT / f".local/logs/ferretdb-test-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(ferretdb_binary()),
            "-handler",
            "sqlite",
            "-sqlite-dir",
            str(self.data_dir),
            "-listen-addr",
            f"127.0.0.1:{self.port}",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError(f"FerretDB did not listen on {self.port}; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: the database is gone at once, as in a crash (connections cut mid-request)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
