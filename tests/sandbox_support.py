"""An SRI sandbox process of a test's own (``python -m sri_sandbox``: own port, own data dir,
settings of its own), for tests that need the sandbox configured unlike the stack's or running
this checkout's code."""

import asyncio
from pathlib import Path

import httpx

from tests.support import ROOT, ServiceProcess

DEV_CA = ROOT / ".local/secrets/sri-dev-ca.pem"


class SandboxProcess(ServiceProcess):
    def __init__(self, data_dir: Path | str, **env: str) -> None:
        super().__init__("sri_sandbox")
        self.url = f"http://127.0.0.1:{self.port}"
        self.env |= {
            "SRI_SANDBOX_HOST": "127.0.0.1",
            "SRI_SANDBOX_PORT": str(self.port),
            "SRI_SANDBOX_DATA_DIR": str(data_dir),
            "SRI_SANDBOX_TRUSTED_CA": str(DEV_CA),
            **env,
        }

    async def start(self, timeout: float = 30.0) -> None:
        """Started once /healthz answers (the sandbox has no /readyz)."""
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
