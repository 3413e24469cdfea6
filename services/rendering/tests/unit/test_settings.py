"""rendering refuses to start in production without a real link key (no link would verify)."""

import pytest
from pydantic import ValidationError

from rendering.settings import RenderingSettings


def test_production_needs_the_link_key() -> None:
    with pytest.raises(ValidationError, match="RIDE_LINK_KEY"):
        RenderingSettings(app_env="production")
    with pytest.raises(ValidationError, match="RIDE_LINK_KEY"):
        RenderingSettings(app_env="production", ride_link_key="short")
    settings = RenderingSettings(app_env="production", ride_link_key="k" * 64)
    assert settings.ride_link_secret == "k" * 64 and "k" * 64 not in repr(settings)
    assert RenderingSettings().render_workers == 2  # development: no key needed to start
