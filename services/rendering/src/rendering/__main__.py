"""``python -m rendering``: run the service."""

from common.service import serve
from rendering.app import build
from rendering.settings import RenderingSettings


def main() -> None:
    settings = RenderingSettings()
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
