"""identity keeps the template's import rules (docs/service-template.md, "What each layer may
import"): checked on the source, so a shortcut fails here rather than in review."""

import ast
from pathlib import Path

import pytest

import identity

SOURCE = Path(identity.__file__).parent
FRAMEWORKS = ("fastapi", "faststream", "pymongo", "starlette")
NEVER = {
    "domain": (
        *FRAMEWORKS,
        "common",
        "identity.settings",
        "identity.ports",
        "identity.events",
        "identity.adapters",
        "identity.use_cases",
        "identity.api",
        "identity.bootstrap",
    ),
    "use_cases": (*FRAMEWORKS, "identity.adapters", "identity.api", "identity.bootstrap"),
    "adapters": ("identity.use_cases", "identity.api", "fastapi"),
    "api": ("identity.adapters",),
    "bootstrap.py": ("identity.api", "identity.use_cases"),
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("layer", sorted(NEVER))
def test_layer_imports(layer: str) -> None:
    root = SOURCE / layer
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    assert files
    broken = {
        f"{path.relative_to(SOURCE)}: {name}"
        for path in files
        for name in imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in NEVER[layer])
    }
    assert not broken
