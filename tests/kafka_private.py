"""A Kafka broker of a test's own, configured like the local stack's: the same jars
(.local/kafka/classpath.txt, from `stack.sh install`), the same server.properties template
(SASL/SCRAM, StandardAuthorizer, super-user admin) rendered on free ports with a temporary data
directory, storage formatted with the SCRAM users. Lets a test change users and ACLs without
touching the shared broker on 9092."""

import asyncio
import base64
import os
import socket
import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path
from string import Template

from scripts.kafka_acls import java_command
from tests.support import ROOT, free_port

TEMPLATE = ROOT / "deploy/local/kafka/server.properties.template"


def classpath_file() -> Path:
    """The broker's jars, as stack.sh resolved them (KAFKA_CLASSPATH_FILE overrides)."""
    return Path(os.environ.get("KAFKA_CLASSPATH_FILE", ROOT / ".local/kafka/classpath.txt"))


def scram_arguments(passwords: Mapping[str, str]) -> list[str]:
    """StorageTool's --add-scram for each user (what stack.sh passes when it formats)."""
    return [
        arg
        for name, password in passwords.items()
        for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")
    ]


class PrivateKafka:
    """``users``: SCRAM users at format time (admin is always one of them)."""

    def __init__(self, workdir: Path, admin_password: str, users: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.admin_password = admin_password
        self.users = {"admin": admin_password, **users}
        self.port, self.controller_port = free_port(), free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log = workdir / "kafka.log"
        self.classpath = classpath_file().read_text().strip()
        self.process: subprocess.Popen[bytes] | None = None

    def render(self) -> Path:
        config = self.workdir / "server.properties"
        config.write_text(
            Template(TEMPLATE.read_text()).substitute(
                KAFKA_DATA_DIR=self.workdir / "data",
                KAFKA_PORT=self.port,
                KAFKA_CONTROLLER_PORT=self.controller_port,
                KAFKA_ADMIN_PASSWORD=self.admin_password,
            )
        )
        config.chmod(0o600)
        return config

    def format(self, config: Path) -> None:
        cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        subprocess.run(
            [
                *java_command(self.classpath),
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "-t",
                cluster,
                "-c",
                str(config),
                *scram_arguments(self.users),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )

    async def start(self, timeout: float = 45.0) -> None:
        config = self.render()
        await asyncio.to_thread(self.format, config)
        await self.restart(timeout)

    async def restart(self, timeout: float = 45.0) -> None:
        """Starts the broker on its formatted storage (again, after ``stop``: same data)."""
        self.process = self._launch(self.workdir / "server.properties")
        async with asyncio.timeout(timeout):
            while not (self._listening() and b"Kafka Server started" in self.log.read_bytes()):
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                await asyncio.sleep(0.2)

    def _launch(self, config: Path) -> "subprocess.Popen[bytes]":
        with self.log.open("wb") as out:
            return subprocess.Popen(
                [*java_command(self.classpath), "kafka.Kafka", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _listening(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
