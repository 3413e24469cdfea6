from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from identity.api.deps import IdentityDep
from identity.domain.validation import RegistrationForm
from identity.use_cases import registration

router = APIRouter(prefix="/v1", tags=["identity"])


class RegistrationIn(BaseModel):
    # Every field required (the OpenAPI says so); their content is the domain's to judge, in
    # Spanish, field by field (a cédula's check digit, the password policy, the captcha).
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    password_confirmation: str = Field(max_length=1024)
    given_names: str = Field(max_length=200)
    surnames: str = Field(max_length=200)
    id_type: Literal["cedula", "passport"]
    id_number: str = Field(max_length=40)
    captcha_id: str = Field(max_length=64)
    captcha_answer: str = Field(max_length=64)
    # The OpenAPI says only true is accepted; the domain refuses false with its Spanish message.
    accept_terms: bool = Field(json_schema_extra={"const": True})


class RegistrationOut(BaseModel):
    user_id: str
    status: str


@router.post("/registrations", status_code=201, response_model=RegistrationOut)
async def register(body: RegistrationIn, svc: IdentityDep) -> RegistrationOut:
    form = RegistrationForm(
        email=body.email,
        password=body.password,
        password_confirmation=body.password_confirmation,
        given_names=body.given_names,
        surnames=body.surnames,
        id_type=body.id_type,
        id_number=body.id_number,
        accept_terms=body.accept_terms,
    )
    user = await registration.register(svc, form, body.captcha_id, body.captcha_answer, svc.clock())
    return RegistrationOut(user_id=user.user_id, status=user.status.value)
