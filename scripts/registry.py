"""The service registry (services.toml): load it, and print what the stack and the Makefile need.

Standard library only, so deploy/local/stack.sh can run it with the system python3 (3.11+)
before the venv exists. Usage (from anywhere):

    python3 scripts/registry.py names          # identity notifier billing
    python3 scripts/registry.py ports          # name=port, one a line
    python3 scripts/registry.py env <name>     # its plain local-stack settings, KEY=VALUE
    python3 scripts/registry.py mypy-paths     # services/<name>/src ...
    python3 scripts/registry.py shell          # bash declarations that stack.sh evals
    python3 scripts/registry.py compose        # the generated docker-compose.yml, on stdout
    python3 scripts/registry.py k8s            # (re)write deploy/k8s/services/ overlays
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11: say so instead of a traceback
    sys.exit("registry: scripts/registry.py needs Python 3.11 or later (tomllib)")

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "services.toml"
GATEWAY_TEMPLATE = ROOT / "deploy" / "gateway" / "gateway.conf.template"

# What a service may need besides Kafka and MongoDB (described in services.toml).
NEEDS = (
    "smtp",
    "sri",
    "identity-jwks",
    "operator-account",
    "signing-certificate",
    "token-signing-key",
    "ride-link-key",
    "rendering-api",
    "document-link-key",
    "billing-api",
    "smsc",
)
COMPONENTS = ("api", "consumer")
SCALING = ("hpa", "keda")
# Where the gateway sends a route whose service is not in the registry (planned ones): a closed
# port, so nginx starts and the route answers the template's JSON 503.
CLOSED_UPSTREAM = "127.0.0.1:9"

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PLAIN = re.compile(r"[A-Za-z$/][\w$:/.@{}<>()?+=, -]*")
_ENV_KEY = re.compile(r"[A-Z][A-Z0-9_]*")
_SERVICE_KEYS = {"port", "path", "summary", "needs", "env", "local_env", "passthrough", "k8s"}
_K8S_KEYS = {"component", "scaling", "replicas", "requests", "limits"}


class RegistryError(ValueError):
    """services.toml says something this script (and so every consumer) cannot use."""


@dataclass(frozen=True)
class Kubernetes:
    component: str
    scaling: str
    min_replicas: int
    max_replicas: int
    requests: Mapping[str, str]
    limits: Mapping[str, str]


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    path: str
    summary: str
    needs: tuple[str, ...]
    env: Mapping[str, str]
    local_env: Mapping[str, str]
    passthrough: tuple[str, ...]
    k8s: Kubernetes

    @property
    def src(self) -> str:
        return f"{self.path}/src"

    @property
    def upstream_var(self) -> str:
        """The gateway template's variable for this service's upstream (host:port)."""
        return f"{self.name.upper()}_UPSTREAM"


def load(path: Path = REGISTRY) -> list[Service]:
    """Every service, in the registry's order (the order the local stack starts them)."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    unknown = set(data) - {"services"}
    if unknown:
        raise RegistryError(f"{path.name}: unknown top-level tables {sorted(unknown)}")
    services = [_service(name, raw) for name, raw in data.get("services", {}).items()]
    _check_unique(services, lambda s: s.port, "port")
    _check_unique(services, lambda s: s.path, "path")
    return services


def _service(name: str, raw: dict[str, Any]) -> Service:
    where = f"[services.{name}]"
    if not _NAME.fullmatch(name):
        raise RegistryError(f"{where}: a service name is its Python package: [a-z][a-z0-9_]*")
    _no_unknown(raw, _SERVICE_KEYS, where)
    port = raw.get("port")
    if not isinstance(port, int) or not 1024 < port < 65536:
        raise RegistryError(f"{where}: port must be an integer in 1025..65535")
    needs = tuple(_strings(raw.get("needs", []), f"{where} needs"))
    for need in needs:
        if need not in NEEDS:
            raise RegistryError(f"{where}: unknown need {need!r} (known: {', '.join(NEEDS)})")
    passthrough = tuple(_strings(raw.get("passthrough", []), f"{where} passthrough"))
    for key in passthrough:
        _env_key(key, where)
    return Service(
        name=name,
        port=port,
        path=_text(raw, "path", where),
        summary=_text(raw, "summary", where),
        needs=needs,
        env=_env(raw.get("env", {}), f"{where}.env"),
        local_env=_env(raw.get("local_env", {}), f"{where}.local_env"),
        passthrough=passthrough,
        k8s=_kubernetes(raw.get("k8s"), f"[services.{name}.k8s]"),
    )


def _kubernetes(raw: object, where: str) -> Kubernetes:
    if not isinstance(raw, dict):
        raise RegistryError(f"{where} is missing")
    _no_unknown(raw, _K8S_KEYS, where)
    component, scaling = _text(raw, "component", where), _text(raw, "scaling", where)
    if component not in COMPONENTS or scaling not in SCALING:
        raise RegistryError(f"{where}: component in {COMPONENTS}, scaling in {SCALING}")
    replicas = raw.get("replicas")
    if not isinstance(replicas, dict) or set(replicas) != {"min", "max"}:
        raise RegistryError(f"{where}: replicas = {{ min = <n>, max = <n> }}")
    low, high = replicas["min"], replicas["max"]
    if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
        raise RegistryError(f"{where}: replicas need 1 <= min <= max")
    requests = _env(raw.get("requests"), f"{where} requests", key=re.compile(r"cpu|memory"))
    limits = _env(raw.get("limits"), f"{where} limits", key=re.compile(r"cpu|memory"))
    if set(requests) != {"cpu", "memory"} or set(limits) != {"cpu", "memory"}:
        raise RegistryError(f"{where}: requests and limits need both cpu and memory")
    return Kubernetes(component, scaling, low, high, requests, limits)


def _no_unknown(raw: Mapping[str, object], known: set[str], where: str) -> None:
    unknown = set(raw) - known
    if unknown:
        raise RegistryError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(known)})")


def _text(raw: Mapping[str, object], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise RegistryError(f"{where}: {key} must be a non-empty string")
    return value


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where} must be a list of strings")
    return value


def _env_key(key: str, where: str, pattern: re.Pattern[str] = _ENV_KEY) -> None:
    if not pattern.fullmatch(key):
        raise RegistryError(f"{where}: bad key {key!r}")


def _env(value: object, where: str, key: re.Pattern[str] = _ENV_KEY) -> dict[str, str]:
    """A table of plain values; numbers and booleans are written as the text they will be."""
    if not isinstance(value, dict):
        raise RegistryError(f"{where} must be a table")
    env: dict[str, str] = {}
    for k, v in value.items():
        _env_key(k, where, key)
        if isinstance(v, bool):
            v = "true" if v else "false"
        if not isinstance(v, str | int) or "\n" in str(v):
            raise RegistryError(f"{where}: {k} must be one line of text or a number")
        env[k] = str(v)
    return env


def _check_unique(services: list[Service], key: Callable[[Service], object], what: str) -> None:
    seen: dict[object, str] = {}
    for s in services:
        if key(s) in seen:
            raise RegistryError(f"{s.name} and {seen[key(s)]} have the same {what} {key(s)}")
        seen[key(s)] = s.name


def gateway_upstreams(services: list[Service], address: Callable[[Service], str]) -> dict[str, str]:
    """Every ${X_UPSTREAM} of the gateway template -> host:port; address(service) gives it for
    the registry's services, the rest (planned services) get a closed port."""
    named = re.findall(r"\$\{([A-Z0-9_]+_UPSTREAM)\}", GATEWAY_TEMPLATE.read_text())
    by_var = {s.upstream_var: address(s) for s in services}
    return {var: by_var.get(var, CLOSED_UPSTREAM) for var in dict.fromkeys(named)}


def local_env(service: Service) -> dict[str, str]:
    """Its plain settings in the local stack (what stack.sh adds for its needs is not here)."""
    return {**service.env, **service.local_env}


def shell(services: list[Service]) -> str:
    """Bash declarations for deploy/local/stack.sh (associative arrays keyed by service)."""

    def assoc(name: str, values: Mapping[str, str]) -> str:
        items = " ".join(f"[{k}]={shlex.quote(v)}" for k, v in values.items())
        return f"declare -A {name}=({items})"

    upstreams = gateway_upstreams(services, lambda s: f"127.0.0.1:{s.port}")
    lines = [
        f"REGISTRY_SERVICES={shlex.quote(' '.join(s.name for s in services))}",
        assoc("SERVICE_PORT", {s.name: str(s.port) for s in services}),
        assoc("SERVICE_PATH", {s.name: s.path for s in services}),
        assoc("SERVICE_NEEDS", {s.name: " ".join(s.needs) for s in services}),
        assoc("SERVICE_PASSTHROUGH", {s.name: " ".join(s.passthrough) for s in services}),
        assoc("SERVICE_ENV", {s.name: _env_lines(local_env(s)) for s in services}),
        assoc("GATEWAY_UPSTREAM", upstreams),
    ]
    return "\n".join(lines) + "\n"


def yaml_scalar(value: str) -> str:
    """value as a YAML scalar for the generated files: plain when it reads back as the same
    string, else double-quoted (JSON's quoting is valid YAML)."""
    words = {"true", "false", "yes", "no", "on", "off", "null", "~"}
    plain = _PLAIN.fullmatch(value) and value.lower() not in words
    return value if plain and ": " not in value and " #" not in value else json.dumps(value)


def _env_lines(env: Mapping[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in env.items())


def main(argv: list[str]) -> int:
    command, *args = argv or ["help"]
    services = load()
    if command == "names":
        print(" ".join(s.name for s in services))
    elif command == "ports":
        print("\n".join(f"{s.name}={s.port}" for s in services))
    elif command == "env" and len(args) == 1:
        found = [s for s in services if s.name == args[0]]
        if not found:
            print(f"registry: no service {args[0]!r} in services.toml", file=sys.stderr)
            return 2
        print(_env_lines(local_env(found[0])))
    elif command == "mypy-paths":
        print(" ".join(s.src for s in services))
    elif command == "shell":
        sys.stdout.write(shell(services))
    elif command == "compose":
        from scripts.compose_file import render

        sys.stdout.write(render(services))
    elif command == "k8s":
        from scripts.k8s_overlays import write

        for path in write(services):
            print(f"wrote {path.relative_to(ROOT)}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    # Run as a file (stack.sh, the Makefile): import it as scripts.registry, like the tests and
    # the generators do, so there is one Service class.
    sys.path.insert(0, str(ROOT))
    from scripts import registry

    try:
        sys.exit(registry.main(sys.argv[1:]))
    except registry.RegistryError as e:
        print(f"registry: services.toml: {e}", file=sys.stderr)
        sys.exit(1)
