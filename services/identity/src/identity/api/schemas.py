"""Bodies more than one resource uses. Fields are plain strings: the domain validates them and
answers in Spanish, field by field."""

from pydantic import BaseModel, Field


class EmailIn(BaseModel):
    email: str = Field(max_length=320)


class EmailWithCaptchaIn(EmailIn):
    """An email a link goes to, guarded by a solved captcha (``POST /captchas``)."""

    captcha_id: str = Field(max_length=64)
    captcha_answer: str = Field(max_length=64)


class StatusOut(BaseModel):
    status: str
