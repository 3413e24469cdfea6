"""Every service keeps the template's import rules (docs/service-template.md, "What each layer
may import"), checked on the source: a shortcut fails here rather than in review."""

import ast
from pathlib import Path

import pytest

from scripts.registry import ROOT, load

FRAMEWORKS = ("fastapi", "faststream", "pymongo", "starlette")
# The runtime's parts that are I/O or wire formats; common.errors and common.logging are fine.
RUNTIME = ("common.contracts", "common.database", "common.messaging", "common.outbox")
RUNTIME += ("common.service", "common.http", "common.auth", "common.settings")
RUNTIME += ("common.kafka_security",)


def _never(name: str) -> dict[str, tuple[str, ...]]:
    outer = ("settings", "ports", "events", "adapters", "use_cases", "api", "bootstrap", "loops")
    return {
        "domain": (*FRAMEWORKS, *RUNTIME, *(f"{name}.{part}" for part in outer)),
        "use_cases": (
            *FRAMEWORKS,
            *RUNTIME,
            *(f"{name}.{part}" for part in ("adapters", "api", "bootstrap", "loops")),
        ),
        "adapters": (f"{name}.use_cases", f"{name}.api", "fastapi"),
        "api": (f"{name}.adapters",),
        "bootstrap.py": (f"{name}.api", f"{name}.use_cases"),
    }


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


CASES = [
    (service.name, layer)
    for service in load()
    for layer in _never(service.name)
    if (ROOT / service.path / "src" / service.name / layer).exists()
]


def test_every_service_has_the_layers() -> None:
    for service in load():
        source = ROOT / service.path / "src" / service.name
        missing = [
            p for p in ("domain", "use_cases", "api", "bootstrap.py") if not (source / p).exists()
        ]
        assert not missing, f"{service.name} lacks {missing}"


@pytest.mark.parametrize(("service", "layer"), CASES)
def test_layer_imports(service: str, layer: str) -> None:
    source = next(ROOT / s.path / "src" / s.name for s in load() if s.name == service)
    root = source / layer
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    never = _never(service)[layer]
    broken = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in never)
    }
    assert not broken
