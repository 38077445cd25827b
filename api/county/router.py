from fastapi import APIRouter

from api.accounts.deps import ConfigurerUser
from api.county import config_doc
from api.county.config_doc import CountyConfig, ImportCounts
from api.database import SessionDep

router = APIRouter(prefix="/api/v1/config", tags=["county configuration"])


# exclude_unset: what the document leaves out (a bureau's webhook URL, never exported) an import leaves alone.
@router.get("/export", response_model=CountyConfig, response_model_exclude_unset=True)
def export_config(session: SessionDep, _user: ConfigurerUser):
    """The county's categories, bureaus, routing rules and calendar overrides as one document."""
    return config_doc.export_config(session)


@router.post("/import", response_model=ImportCounts)
def import_config(document: CountyConfig, session: SessionDep, user: ConfigurerUser):
    """Apply a document as exported (the same YAML as `gridpatrol config import`, as JSON), in one transaction."""
    return config_doc.import_config(session, document, by=user.username)
