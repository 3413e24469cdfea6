from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from identity.api.deps import CurrentUser, IdentityDep
from identity.use_cases import sessions
from identity.use_cases.sessions import Tokens

router = APIRouter(prefix="/v1", tags=["identity"])


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int

    @classmethod
    def of(cls, tokens: Tokens) -> "TokensOut":
        return cls(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
        )


@router.post("/sessions", response_model=TokensOut)
async def login(body: LoginIn, svc: IdentityDep) -> TokensOut:
    return TokensOut.of(await sessions.login(svc, body.email, body.password, svc.clock()))


@router.post("/sessions/refresh", response_model=TokensOut)
async def refresh(body: RefreshIn, svc: IdentityDep) -> TokensOut:
    return TokensOut.of(await sessions.refresh(svc, body.refresh_token, svc.clock()))


@router.delete("/sessions/current", status_code=204)
async def logout(principal: CurrentUser, svc: IdentityDep) -> Response:
    await sessions.logout(svc, principal.user_id, principal.session_id, svc.clock())
    return Response(status_code=204)
