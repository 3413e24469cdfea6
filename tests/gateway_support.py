"""A gateway of a test's own: deploy/gateway/'s templates rendered as stack.sh renders them, on a
free loopback port, in front of the running stack's services, with the settings the test picks
(rate limits on, an upstream that is down), so make test's stack keeps its own."""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts import registry
from tests.support import free_port

TEMPLATES = registry.ROOT / "deploy/gateway"
NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Gateway:
    url: str
    prefix: Path


def _render(target: Path, values: dict[str, str]) -> None:
    names = " ".join(f"${{{name}}}" for name in values)
    env = os.environ | values
    for template, name in (
        ("gateway.conf.template", "gateway.conf"),
        ("nginx-local.conf.template", "nginx.conf"),
    ):
        text = (TEMPLATES / template).read_text()
        rendered = subprocess.run(
            ["envsubst", names], input=text, env=env, capture_output=True, text=True, check=True
        )
        (target / name).write_text(rendered.stdout)


@contextlib.contextmanager
def own_gateway(
    rate_limits: str = "on", down: tuple[str, ...] = (), upstream: dict[str, str] | None = None
) -> Iterator[Gateway]:
    """nginx on 127.0.0.1:<free port>; the services named in ``down`` point at a closed port,
    those in ``upstream`` (name → host:port) at a stand-in of the test's."""
    services = registry.load()
    upstreams = registry.gateway_upstreams(services, lambda s: f"127.0.0.1:{s.port}")
    closed = f"127.0.0.1:{free_port()}"
    for service in services:
        if service.name in down:
            upstreams[service.upstream_var] = closed
        if upstream and service.name in upstream:
            upstreams[service.upstream_var] = upstream[service.name]
    port = free_port()
    prefix = Path(tempfile.mkdtemp(prefix="gateway-"))
    for folder in ("gateway/tmp", "logs", "run"):
        (prefix / folder).mkdir(parents=True)
    _render(
        prefix / "gateway",
        upstreams
        | {
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            "GATEWAY_RATE_LIMITS": rate_limits,
            "PORTAL_ROOT": str(registry.ROOT / "portal"),
        },
    )
    command = [
        NGINX,
        "-p",
        f"{prefix}/",
        "-c",
        f"{prefix}/gateway/nginx.conf",
        "-e",
        f"{prefix}/logs/gateway.log",
    ]
    if os.geteuid() == 0:
        command += ["-g", "user root;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield Gateway(url, prefix)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(prefix, ignore_errors=True)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/gateway/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError("own gateway did not answer /gateway/healthz")
