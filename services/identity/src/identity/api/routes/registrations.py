from fastapi import APIRouter
from pydantic import BaseModel

from identity.api.deps import IdentityDep
from identity.domain.validation import RegistrationForm
from identity.use_cases import registration

router = APIRouter(prefix="/v1", tags=["identity"])


class RegistrationIn(BaseModel):
    # Plain strings: the domain validates them and answers in Spanish, field by field.
    email: str = ""
    password: str = ""
    password_confirmation: str = ""
    given_names: str = ""
    surnames: str = ""
    id_type: str = "cedula"
    id_number: str = ""
    captcha_id: str = ""
    captcha_answer: str = ""
    accept_terms: bool = False


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
