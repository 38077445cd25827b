from fastapi import APIRouter

from api.accounts.deps import ConfigurerUser, CurrentUser
from api.catalog import service
from api.catalog.models import Category, CategoryOrder, CategoryWrite, PointType, PointTypeWrite
from api.database import SessionDep
from api.errors import ApiError, error_responses

router = APIRouter(prefix="/api/v1", tags=["catalog"])


def _same_code(path_code: str, body_code: str) -> None:
    if path_code != body_code:
        raise ApiError(422, "code_mismatch", "路径与内容中的编码不一致", "code in path and body differ")


@router.get("/categories", response_model=list[Category])
def list_categories(session: SessionDep, _user: CurrentUser, include_inactive: bool = False):
    return service.list_categories(session, include_inactive=include_inactive)


# Declared before /categories/{code}, which would take "order" for a code.
@router.put("/categories/order", response_model=list[Category], responses=error_responses(409))
def reorder_categories(data: CategoryOrder, session: SessionDep, user: ConfigurerUser):
    return service.reorder_categories(session, data.codes, by=user.username)


@router.put("/categories/{code}", response_model=Category)
def put_category(code: str, data: CategoryWrite, session: SessionDep, user: ConfigurerUser):
    _same_code(code, data.code)
    return service.upsert_category(session, data, by=user.username)


@router.get("/point-types", response_model=list[PointType])
def list_point_types(session: SessionDep, _user: CurrentUser):
    return service.list_point_types(session)


@router.put("/point-types/{code}", response_model=PointType)
def put_point_type(code: str, data: PointTypeWrite, session: SessionDep, user: ConfigurerUser):
    _same_code(code, data.code)
    return service.upsert_point_type(session, data, by=user.username)
