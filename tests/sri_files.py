"""SRI's official XSDs and WSDLs, as the repository knows them: their SHA-256 digests in
docs/sri-files.sha256 (recorded from the files SRI publishes). The copies packaged in billing and
the sandbox must be exactly those files."""

import hashlib
from pathlib import Path

from tests.support import ROOT

MANIFEST = ROOT / "docs" / "sri-files.sha256"


def official_digests() -> dict[str, str]:
    digests = {}
    for line in MANIFEST.read_text().splitlines():
        digest, name = line.split()
        digests[Path(name).name] = digest
    return digests


def assert_official(paths: list[Path]) -> None:
    assert paths, "no packaged SRI files found"
    official = official_digests()
    for path in paths:
        assert path.name in official, f"{path.name} is not one of SRI's files"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == official[path.name], path.name
