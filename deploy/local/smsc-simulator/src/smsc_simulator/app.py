"""The HTTP API: what was sent (for tests and people), the sessions, and the fault controls."""

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from smsc_simulator.control import Mode

if TYPE_CHECKING:
    from smsc_simulator.simulator import Simulator


class ControlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode
    seconds: int | None = Field(default=None, gt=0, le=86_400)

    @model_validator(mode="after")
    def _seconds_only_for_lasting_modes(self) -> "ControlRequest":
        if self.seconds is not None and self.mode in (Mode.NORMAL, Mode.DROP):
            raise ValueError("seconds applies to refuse_binds and throttle only")
        return self


def create_app(simulator: "Simulator") -> FastAPI:
    app = FastAPI(title="SMSC simulator", docs_url="/docs", redoc_url=None)
    store, smpp = simulator.store, simulator.smpp

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/messages")
    async def messages(
        to: str | None = None, limit: int | None = Query(default=None, ge=1)
    ) -> list[dict[str, Any]]:
        """Newest first; ``to`` with or without the leading + (or any punctuation)."""
        return [message.as_json() for message in store.find(to, limit)]

    @app.delete("/api/messages")
    async def clear_messages() -> dict[str, int]:
        return {"deleted": store.clear()}

    @app.get("/api/sessions")
    async def sessions() -> dict[str, Any]:
        bound = sorted(
            (s for s in smpp.sessions if s.bound), key=lambda s: (s.system_id or "", s.peer)
        )
        return {
            "bound": len(bound),
            "connections": len(smpp.sessions),
            "sessions": [
                {"system_id": s.system_id, "bind_type": s.bind_type, "peer": s.peer} for s in bound
            ],
        }

    @app.get("/api/control")
    async def get_control() -> dict[str, str | None]:
        return simulator.controls.state().as_json()

    @app.post("/api/control")
    async def post_control(request: ControlRequest) -> dict[str, str | None]:
        return simulator.control(request.mode, request.seconds).as_json()

    return app
