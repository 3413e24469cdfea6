"""``python -m notifier``: run the service."""

from common.service import serve
from notifier.app import build
from notifier.settings import NotifierSettings


def main() -> None:
    settings = NotifierSettings()
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
