"""The simulator: one message store, one set of controls, the SMPP server and the HTTP API,
all in one asyncio loop."""

import asyncio
import logging
import socket

import uvicorn

from smsc_simulator.app import create_app
from smsc_simulator.control import Controls, Mode, State
from smsc_simulator.server import SmppServer
from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.store import MessageStore

log = logging.getLogger("smsc_simulator")


class Simulator:
    def __init__(self, settings: SimulatorSettings) -> None:
        self.settings = settings
        self.store = MessageStore(settings.max_messages)
        self.controls = Controls()
        self.smpp = SmppServer(settings, self.store, self.controls)

    def control(self, mode: Mode, seconds: int | None = None) -> State:
        state = self.controls.change(mode, seconds)
        if mode in (Mode.REFUSE_BINDS, Mode.DROP):
            dropped = self.smpp.drop_all()
            log.info("control mode=%s closed %d connection(s)", mode.value, dropped)
        return state


def http_server(simulator: Simulator) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(simulator),
        host=simulator.settings.host,
        port=simulator.settings.http_port,
        log_level=simulator.settings.log_level,
        access_log=False,  # the tests poll /api/messages; binds and submits are logged instead
        lifespan="off",
    )
    return uvicorn.Server(config)


async def serve(settings: SimulatorSettings, http_socket: socket.socket | None = None) -> None:
    """Run until SIGINT/SIGTERM (uvicorn catches them), then close every SMPP session."""
    simulator = Simulator(settings)
    await simulator.smpp.start()
    server = http_server(simulator)
    try:
        await server.serve(sockets=[http_socket] if http_socket else None)
    finally:
        await simulator.smpp.stop()


def run(settings: SimulatorSettings) -> None:
    asyncio.run(serve(settings))
