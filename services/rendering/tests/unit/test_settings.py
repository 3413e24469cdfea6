"""rendering refuses to start in production without real link keys (no link would verify, and
no document could be fetched from billing)."""

import pytest
from pydantic import ValidationError

from common.testing import PRODUCTION_KAFKA
from rendering.settings import RenderingSettings


def test_production_needs_the_link_key() -> None:
    with pytest.raises(ValidationError, match="RIDE_LINK_KEY"):
        RenderingSettings(app_env="production", **PRODUCTION_KAFKA)
    with pytest.raises(ValidationError, match="RIDE_LINK_KEY"):
        RenderingSettings(app_env="production", ride_link_key="short", **PRODUCTION_KAFKA)
    keys = {"ride_link_key": "k" * 64, "document_link_key": "d" * 64}
    with pytest.raises(ValidationError, match="DOCUMENT_LINK_KEY"):
        RenderingSettings(
            app_env="production", **(keys | {"document_link_key": ""}), **PRODUCTION_KAFKA
        )
    settings = RenderingSettings(app_env="production", **keys, **PRODUCTION_KAFKA)
    assert settings.ride_link_secret == "k" * 64 and "k" * 64 not in repr(settings)
    assert settings.document_link_secret == "d" * 64 and "d" * 64 not in repr(settings)
    assert RenderingSettings().render_workers == 2  # development: no key needed to start
