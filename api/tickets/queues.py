"""Work queues: the bureau's triage queue, the dispatcher's desk, the verification queue."""

from itertools import islice
from typing import Annotated

from fastapi import APIRouter, Query

from api.accounts.deps import STAFF, CurrentUser
from api.accounts.models import Role
from api.database import SessionDep
from api.errors import ApiError, forbidden
from api.tickets import service
from api.tickets.deps import CalendarDep
from api.tickets.models import BUREAU_QUEUE
from api.tickets.schemas import BureauQueue, DispatcherQueue, TicketPage

router = APIRouter(prefix="/api/v1/queues", tags=["queues"])


@router.get("/bureau", response_model=BureauQueue)
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
    # In BUREAU_QUEUE's order: unfiltered, the query's status term is then the partial index's WHERE.
    statuses = [s for s in BUREAU_QUEUE if s in (status or BUREAU_QUEUE)] or BUREAU_QUEUE
    page = service.list_tickets(session, user, status=statuses, bureau=code, category=category, cell=cell,
                                overdue=overdue, escalated=escalated, recurring=recurring, sort="deadline",
                                limit=limit, cursor=cursor, calendar=calendar)
    return {**page, "bureau": code, "counts": service.count_by_status(session, user, BUREAU_QUEUE, bureau_code=code)}


@router.get("/dispatcher", response_model=DispatcherQueue)
def dispatcher_queue(session: SessionDep, user: CurrentUser, calendar: CalendarDep,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """What waits for the dispatcher: unrouted reports, returned tickets, extension and park requests,
    parked tickets."""
    if user.role not in (Role.dispatcher, Role.admin):
        raise forbidden()
    pages = {
        # No deadline before routing: oldest first.
        "reported": service.find_tickets(session, user, limit=limit, status=["reported"], sort="created"),
        "returned": service.find_tickets(session, user, limit=limit, status=["returned"], sort="deadline"),
        "extension_requests": service.find_tickets(session, user, limit=limit, extension_pending=True,
                                                   sort="deadline"),
        "park_requests": service.find_tickets(session, user, limit=limit, park_requested=True, sort="deadline"),
        "parked": service.find_tickets(session, user, limit=limit, status=["parked"], sort="deadline"),
    }
    # One render for all four: one set of lookups (photos, authors, cells…) rather than one per section.
    rendered = iter(service.render_many(session, [t for items, _ in pages.values() for t in items], user, calendar))
    return {name: {"items": list(islice(rendered, len(items))), "next_cursor": next_cursor}
            for name, (items, next_cursor) in pages.items()}


@router.get("/verification", response_model=TicketPage)
def verification_queue(session: SessionDep, user: CurrentUser, calendar: CalendarDep,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None):
    """Rectified tickets the caller may verify, with before and after photos and their flags: an
    inspector's own reports and cells; everything for supervisors."""
    if user.role not in (Role.inspector, Role.supervisor):
        raise forbidden()
    return service.list_tickets(session, user, status=["rectified"], sort="deadline", limit=limit, cursor=cursor,
                                calendar=calendar)
