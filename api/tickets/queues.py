"""Work queues: the bureau's triage queue, the dispatcher's desk, the verification queue."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.accounts.deps import STAFF, CurrentUser
from api.accounts.models import Role
from api.database import SessionDep
from api.errors import ApiError, forbidden
from api.tickets import service
from api.tickets.router import CalendarDep

router = APIRouter(prefix="/api/v1/queues", tags=["queues"])
BUREAU_OPEN = ["dispatched", "accepted", "rework", "rectified"]


@router.get("/bureau")
def bureau_queue(session: SessionDep, user: CurrentUser, calendar: CalendarDep, bureau: str | None = None,
                 status: Annotated[list[str] | None, Query()] = None, category: str | None = None,
                 cell: str | None = None, overdue: bool | None = None, escalated: bool | None = None,
                 recurring: bool | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 cursor: str | None = None):
    """A bureau's open tickets, soonest deadline first, with counts per state for badges.
    Liaisons get their own bureau; staff name one with `bureau=`."""
    if user.role == Role.bureau:
        code = user.bureau_code
    elif user.role in STAFF:
        if not bureau:
            raise ApiError(422, "bureau_required", "请指定单位（bureau=）", "name a bureau (bureau=)")
        code = bureau
    else:
        raise forbidden()
    statuses = [s for s in (status or BUREAU_OPEN) if s in BUREAU_OPEN] or BUREAU_OPEN
    page = service.list_tickets(session, user, status=statuses, bureau=code, category=category, cell=cell,
                                overdue=overdue, escalated=escalated, recurring=recurring, sort="deadline",
                                limit=limit, cursor=cursor, calendar=calendar, deadline_known=True)
    return {**page, "bureau": code, "counts": service.count_by_status(session, user, BUREAU_OPEN, bureau_code=code)}


@router.get("/dispatcher")
def dispatcher_queue(session: SessionDep, user: CurrentUser, calendar: CalendarDep,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """What waits for the dispatcher: unrouted reports, returned tickets, extension requests, parked."""
    if user.role not in (Role.dispatcher, Role.admin):
        raise forbidden()
    sections = {
        "reported": {"status": ["reported"]},
        "returned": {"status": ["returned"]},
        "extension_requests": {"extension_pending": True},
        "parked": {"status": ["parked"]},
    }
    return {name: service.list_tickets(session, user, sort="deadline", limit=limit, calendar=calendar, **where)
            for name, where in sections.items()}


@router.get("/verification")
def verification_queue(session: SessionDep, user: CurrentUser, calendar: CalendarDep,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None):
    """Rectified tickets the caller may verify, with before and after photos and their flags: an
    inspector's own reports and cells; everything for supervisors."""
    if user.role not in (Role.inspector, Role.supervisor):
        raise forbidden()
    return service.list_tickets(session, user, status=["rectified"], sort="deadline", limit=limit, cursor=cursor,
                                calendar=calendar)
