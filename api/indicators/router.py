from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.accounts.deps import STAFF, require_roles
from api.accounts.models import User
from api.database import SessionDep, utcnow
from api.indicators import service

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])
Staff = Annotated[User, Depends(require_roles(*STAFF))]


@router.get("/overview")
def overview(request: Request, session: SessionDep, _user: Staff):
    """Open, overdue and escalated tickets per bureau, today's reports, this week's closure and
    on-time rates. Each figure has a ticket list behind it (`GET /api/v1/tickets` with filters)."""
    return service.overview(session, utcnow(), request.app.state.settings.tz)
