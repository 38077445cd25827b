from typing import Annotated

from fastapi import APIRouter, Query

from api.accounts.deps import AdminUser
from api.audit import service
from api.audit.models import AuditPage
from api.database import SessionDep
from api.inputs import RowId

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def list_audit(session: SessionDep, _admin: AdminUser,
               entity: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50,
               cursor: Annotated[RowId | None, Query()] = None):
    """Admin changes, newest first: who, when, which entity, and each changed field before and after."""
    return service.page(session, entity=entity, limit=limit, cursor=cursor)
