"""The template's size rules (docs/service-template.md): small modules, short functions.

Every Python file under 400 lines and every function under 60, in the services, the runtime,
the sandbox and the tests alike; data files (XSD, templates, word lists) are not code.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TREES = ("libs", "services", "deploy", "tests", "scripts", "bench")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _python_files() -> list[Path]:
    return sorted(
        path
        for tree in TREES
        for path in (ROOT / tree).rglob("*.py")
        if ".venv" not in path.parts and ".local" not in path.parts
    )


def test_there_are_files_to_check() -> None:
    assert len(_python_files()) > 50


@pytest.mark.parametrize("limit", [MAX_FILE_LINES])
def test_every_file_is_short(limit: int) -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files()
        if (n := len(p.read_text().splitlines())) > limit
    }
    assert not long, f"files over {limit} lines: {long}"


def test_every_function_is_short() -> None:
    long: dict[str, int] = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = length
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"
