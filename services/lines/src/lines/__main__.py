"""``python -m lines``: run the service."""

from common.service import serve
from lines.app import build
from lines.settings import LinesSettings


def main() -> None:
    settings = LinesSettings()
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
