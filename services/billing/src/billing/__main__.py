"""``python -m billing``: run the service."""

from billing.app import build
from billing.settings import BillingSettings
from common.service import serve


def main() -> None:
    settings = BillingSettings()
    serve(build(settings), settings)


if __name__ == "__main__":
    main()
