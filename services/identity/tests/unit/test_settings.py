"""The captcha test answer is a test-only door: identity refuses it in production."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from common.testing import PRODUCTION_KAFKA
from identity.settings import IdentitySettings


def test_test_captcha_answer_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="CAPTCHA_TEST_ANSWER"):
        IdentitySettings(app_env="production", captcha_test_answer="x", **PRODUCTION_KAFKA)


def test_test_captcha_answer_allowed_elsewhere() -> None:
    assert IdentitySettings(app_env="test", captcha_test_answer="x").captcha_test_answer == "x"
    production = IdentitySettings(
        app_env="production", signing_key_path=Path("/k/current.pem"), **PRODUCTION_KAFKA
    )
    assert production.captcha_test_answer is None
