"""``python -m identity``: run the service."""

from common.service import serve
from identity.app import build
from identity.settings import IdentitySettings


def main() -> None:
    settings = IdentitySettings()
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
