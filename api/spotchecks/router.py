from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response, status
from sqlmodel import Session, col, select

from api.accounts.deps import STAFF, require_roles
from api.accounts.models import Role, User
from api.bureaus.models import Bureau
from api.catalog.models import Category
from api.database import SessionDep
from api.errors import not_found
from api.grid.models import GridCell
from api.inputs import RowId
from api.photos import service as photo_service
from api.spotchecks import service
from api.spotchecks.models import (
    DrawPublic,
    DrawRequest,
    SpotCheck,
    SpotCheckDraw,
    SpotCheckOutcome,
    SpotCheckPublic,
    SpotCheckResult,
)
from api.tickets.models import Ticket

router = APIRouter(prefix="/api/v1/spotchecks", tags=["spot checks"])
Supervisor = Annotated[User, Depends(require_roles(Role.supervisor, Role.admin))]
Staff = Annotated[User, Depends(require_roles(*STAFF))]


def _names(session: Session, model, key, values) -> dict[str, str]:
    values = {v for v in values if v is not None}
    return dict(session.exec(select(key, model.name).where(col(key).in_(values))).all()) if values else {}


def _render(session: Session, rows: list[tuple[SpotCheck, Ticket | None]]) -> list[dict]:
    """Tasks with the names people know them by: the unit, and the ticket's category and cell."""
    bureaus = _names(session, Bureau, Bureau.code, (task.bureau_code for task, _ in rows))
    categories = _names(session, Category, Category.code, (t.category_code for _, t in rows if t))
    cells = _names(session, GridCell, GridCell.code, (t.cell_code for _, t in rows if t))
    rendered = []
    for task, ticket in rows:
        body = task.model_dump(mode="json", exclude={"request_sha256"})
        body["bureau_name"] = bureaus.get(task.bureau_code)
        if ticket is not None:
            body["ticket"] = {"status": ticket.status, "category_code": ticket.category_code,
                              "category_name": categories.get(ticket.category_code), "lat": ticket.lat,
                              "lon": ticket.lon, "cell_code": ticket.cell_code,
                              "cell_name": cells.get(ticket.cell_code) if ticket.cell_code else None,
                              "closed_at": ticket.closed_at}
        rendered.append(body)
    return rendered


@router.post("/draws", status_code=status.HTTP_201_CREATED, response_model=DrawPublic)
def draw(body: DrawRequest, session: SessionDep, user: Supervisor):
    """Draw a stratified random sample of tickets closed in the period: per bureau at least
    `min_per_bureau`, else ⌈rate × closed⌉. The seed (given or generated) is recorded and returned."""
    record, tasks = service.draw(session, user, body)
    return {**record.model_dump(mode="json"), "tasks": _render(session, [(t, None) for t in tasks])}


@router.get("/draws/{draw_id}", response_model=DrawPublic)
def get_draw(draw_id: RowId, session: SessionDep, _user: Staff):
    record = session.get(SpotCheckDraw, draw_id)
    if record is None:
        raise not_found("抽查", "Draw", draw_id)
    tasks = session.exec(select(SpotCheck).where(SpotCheck.draw_id == draw_id).order_by(col(SpotCheck.id))).all()
    return {**record.model_dump(mode="json"), "tasks": _render(session, [(t, None) for t in tasks])}


@router.get("", response_model=list[SpotCheckPublic])
def list_spotchecks(session: SessionDep, _user: Staff, status: Literal["open", "passed", "failed"] | None = None,
                    bureau: str | None = None):
    query = select(SpotCheck, Ticket).join(Ticket, col(Ticket.id) == SpotCheck.ticket_id).order_by(col(SpotCheck.id))
    if status:
        query = query.where(SpotCheck.status == status)
    if bureau:
        query = query.where(SpotCheck.bureau_code == bureau)
    return _render(session, list(session.exec(query).all()))


@router.post("/{task_id}/result", response_model=SpotCheckOutcome)
def record_result(task_id: RowId, body: SpotCheckResult, request: Request, response: Response, session: SessionDep,
                  user: Supervisor):
    """The on-site verdict with spot-check photos (`PUT …/photos/{id}?kind=spotcheck` first). A failure
    reopens the ticket as rework and is counted as a false closure against the bureau."""
    task, applied = service.record_result(session, user, task_id, body)
    if applied:  # stored with the likeness flags of its evidence, not before them
        photo_service.analyse_now(session, request.app.state.settings, request.app.state.storage,
                                  session.get_one(Ticket, task.ticket_id))
    response.status_code = 200
    return {**_render(session, [(task, None)])[0], "replayed": not applied}
