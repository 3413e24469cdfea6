"""``python -m smsc_simulator``: the SMPP server and the HTTP API (settings from SMSC_*)."""

import logging

from smsc_simulator.settings import SimulatorSettings
from smsc_simulator.simulator import run


def main() -> None:
    settings = SimulatorSettings()  # system_id and password come from the environment
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    run(settings)


if __name__ == "__main__":
    main()
