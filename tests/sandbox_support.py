"""An SRI sandbox process of a test's own (``python -m sri_sandbox``: own port, own data dir,
settings of its own), for tests that need the sandbox configured unlike the stack's."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import ROOT, free_port

DEV_CA = ROOT / ".local/secrets/sri-dev-ca.pem"


class SandboxProcess:
    def __init__(self, data_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "sri-sandbox.log"
        self.env = {
            **os.environ,
            "SRI_SANDBOX_HOST": "127.0.0.1",
            "SRI_SANDBOX_PORT": str(self.port),
            "SRI_SANDBOX_DATA_DIR": str(data_dir),
            "SRI_SANDBOX_TRUSTED_CA": str(DEV_CA),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            command = [sys.executable, "-m", "sri_sandbox"]
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out, cwd=ROOT)

    async def start(self, timeout: float = 30.0) -> None:
        self.spawn()
        assert self.process is not None
        async with httpx.AsyncClient() as client:
            for _ in range(int(timeout * 10)):
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                await asyncio.sleep(0.1)
        raise AssertionError(f"sri_sandbox did not become ready; see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
