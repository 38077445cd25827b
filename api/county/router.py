from typing import Annotated, Any

from fastapi import APIRouter, Body

from api.accounts.deps import ConfigurerUser
from api.county import config_doc
from api.database import SessionDep

router = APIRouter(prefix="/api/v1/config", tags=["county configuration"])


@router.get("/export")
def export_config(session: SessionDep, _user: ConfigurerUser):
    """The county's categories, bureaus, routing rules and calendar overrides as one document."""
    return config_doc.export_config(session)


@router.post("/import")
def import_config(document: Annotated[dict[str, Any], Body()], session: SessionDep, user: ConfigurerUser):
    return config_doc.import_config(session, document, by=user.username)
