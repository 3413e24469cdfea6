"""What the local stack writes under .local/ (Kafka's log with reset links and SMS codes,
Mailpit's database, the logs, the secrets) is readable by its owner only."""

import stat
from pathlib import Path

import pytest

LOCAL = Path(__file__).resolve().parents[2] / ".local"
PRIVATE = ["data/kafka", "data/mailpit", "logs", "secrets", "kafka"]


@pytest.mark.parametrize("folder", PRIVATE)
def test_nothing_in_it_is_readable_by_others(folder: str) -> None:
    root = LOCAL / folder
    assert root.is_dir(), f"{root}: the stack is not up"
    exposed = [
        str(path)
        for path in [root, *list(root.rglob("*"))[:5000]]
        if not path.is_symlink() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    ]
    assert exposed == [], exposed[:5]


def test_the_top_folders_cannot_be_listed_by_others() -> None:
    for folder in (LOCAL, LOCAL / "data", LOCAL / "run"):
        mode = folder.stat().st_mode
        assert not mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH), folder
