from fastapi import APIRouter
from pydantic import BaseModel

from lines.api.deps import Customer
from lines.domain.numbers import ServiceType

router = APIRouter(prefix="/v1", tags=["lines"])


class ServiceTypeOut(BaseModel):
    code: str
    name: str


@router.get("/service-types")
async def service_types(_: Customer) -> list[ServiceTypeOut]:
    """Guide step 1.4: the kinds of service a line can be."""
    return [ServiceTypeOut(code=kind.value, name=kind.label) for kind in ServiceType]
