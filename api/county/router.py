from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from api.accounts.deps import ConfigurerUser
from api.county import config_diff, config_doc
from api.county.config_diff import ConfigPreview
from api.county.config_doc import CountyConfig, ImportCounts
from api.database import SessionDep

router = APIRouter(prefix="/api/v1/config", tags=["county configuration"])


# exclude_unset: what the document leaves out (a bureau's webhook URL, never exported) an import leaves alone.
@router.get("/export", response_model=CountyConfig, response_model_exclude_unset=True)
def export_config(session: SessionDep, _user: ConfigurerUser):
    """The county's categories, bureaus, routing rules and calendar overrides as one document."""
    return config_doc.export_config(session)


# The file is the document in YAML, so it is described as the document (which is what a YAML reader makes of it).
DOCUMENT = {"schema": {"$ref": "#/components/schemas/CountyConfig"}}


@router.get("/export.yaml", response_class=Response,
            responses={200: {"content": {"application/yaml": DOCUMENT}, "description": "the document file"}})
def export_config_file(session: SessionDep, _user: ConfigurerUser):
    """The same document as the YAML file `gridpatrol config export` writes."""
    return Response(config_diff.to_yaml(config_doc.export_config(session)).encode(), media_type="application/yaml",
                    headers={"Content-Disposition": 'attachment; filename="county-config.yaml"'})


@router.post("/import", response_model=ImportCounts)
def import_config(document: CountyConfig, session: SessionDep, user: ConfigurerUser):
    """Apply a document as exported (the same YAML as `gridpatrol config import`, as JSON), in one transaction."""
    return config_doc.import_config(session, document, by=user.username)


# Read before the session opens: a slow upload must not hold SQLite's write lock.
async def _document_file(request: Request) -> Any:
    return await run_in_threadpool(config_diff.read_document, await request.body())


@router.post("/import/preview", response_model=ConfigPreview, response_model_exclude_unset=True,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/yaml": DOCUMENT, "application/json": DOCUMENT}}})
def preview_import(user: ConfigurerUser, document: Annotated[Any, Depends(_document_file)], session: SessionDep):
    """The document file (YAML or JSON) as the request body: what importing it would change, section by section,
    checked exactly as the import checks it (the same 422s) and changing nothing. Its `document` is what to
    send to `POST /api/v1/config/import` to apply it."""
    return config_diff.preview(session, document, by=user.username)
