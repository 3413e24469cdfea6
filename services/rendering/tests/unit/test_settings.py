"""rendering refuses to start in production without a real link key (no link would verify)."""

import pytest
from pydantic import ValidationError

from common.testing import PRODUCTION_KAFKA
from rendering.settings import RenderingSettings


def test_production_needs_the_link_key() -> None:
    with pytest.raises(ValidationError, match="RIDE_LINK_KEY"):
        RenderingSettings(app_env="production", **PRODUCTION_KAFKA)
    with pytest.raises(ValidationError, match="RIDE_LINK_KEY"):
        RenderingSettings(app_env="production", ride_link_key="short", **PRODUCTION_KAFKA)
    settings = RenderingSettings(app_env="production", ride_link_key="k" * 64, **PRODUCTION_KAFKA)
    assert settings.ride_link_secret == "k" * 64 and "k" * 64 not in repr(settings)
    assert RenderingSettings().render_workers == 2  # development: no key needed to start
