"""``python -m sri_sandbox``: serve the sandbox with uvicorn (settings from SRI_SANDBOX_*)."""

import uvicorn

from sri_sandbox.app import create_app
from sri_sandbox.settings import SandboxSettings


def main() -> None:
    settings = SandboxSettings()
    # One process on purpose: the call log, the controls and SQLite's single writer are shared
    # state; access logging is off because a benchmark sends tens of thousands of calls.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
    )


if __name__ == "__main__":
    main()
