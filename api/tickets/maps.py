"""What the map tab draws: open tickets by traffic light, and where problems recur (hotspots)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import case
from sqlmodel import Session, SQLModel, col, func, select

from api.accounts.deps import STAFF, CurrentUser, require_roles
from api.accounts.models import User
from api.catalog.models import Category
from api.database import SessionDep, utcnow
from api.grid.models import GridCell
from api.tickets import access
from api.tickets.deadlines import deadline_info
from api.tickets.deps import CalendarDep
from api.tickets.models import OPEN_STATUSES, Ticket
from api.workcalendar.service import WorkCalendar

router = APIRouter(prefix="/api/v1/map", tags=["map"])
MAP_LIMIT = 2000


class MapTicket(SQLModel):
    id: str
    lat: float
    lon: float
    status: str
    light: str | None
    overdue: bool
    category_name: str
    recurring: bool


class MapTickets(SQLModel):
    items: list[MapTicket]
    truncated: bool


class Hotspot(SQLModel):
    cell_code: str
    cell_name: str
    category_code: str
    category_name: str
    count: int
    recurring: int
    lat: float
    lon: float


def open_tickets(session: Session, user: User, calendar: WorkCalendar) -> MapTickets:
    """The open tickets the caller may see, soonest deadline first (those without one last)."""
    query = (select(Ticket, Category.name).join(Category, col(Category.code) == Ticket.category_code)
             .where(access.visible_clause(session, user), col(Ticket.status).in_(OPEN_STATUSES))
             .order_by(col(Ticket.deadline_at).is_(None), col(Ticket.deadline_at), col(Ticket.id))
             .limit(MAP_LIMIT + 1))
    rows = session.exec(query).all()
    now = utcnow()
    items = []
    for ticket, category_name in rows[:MAP_LIMIT]:
        info = deadline_info(ticket, calendar, now)
        items.append(MapTicket(id=str(ticket.id), lat=ticket.lat, lon=ticket.lon, status=ticket.status,
                               light=info["light"], overdue=info["overdue"], category_name=category_name,
                               recurring=ticket.recurring_of is not None))
    return MapTickets(items=items, truncated=len(rows) > MAP_LIMIT)


def hotspots(session: Session, days: int) -> list[Hotspot]:
    """Cells and categories with problems in the last `days` days, where at least one was a recurrence."""
    since = utcnow() - timedelta(days=days)
    recurring = func.sum(case((col(Ticket.recurring_of).is_not(None), 1), else_=0))
    query = (select(  # type: ignore[call-overload]  # sqlmodel's select is typed for at most four columns
                    Ticket.cell_code, GridCell.name, Ticket.category_code, Category.name, func.count(),
                    recurring, func.avg(Ticket.lat), func.avg(Ticket.lon))
             .join(GridCell, col(GridCell.code) == Ticket.cell_code)
             .join(Category, col(Category.code) == Ticket.category_code)
             .where(col(Ticket.created_at) >= since, Ticket.status != "incomplete", Ticket.status != "cancelled")
             .group_by(Ticket.cell_code, GridCell.name, Ticket.category_code, Category.name)
             .having(recurring > 0))
    spots = [Hotspot(cell_code=cell, cell_name=cell_name, category_code=code, category_name=name, count=count,
                     recurring=int(again), lat=lat, lon=lon)
             for cell, cell_name, code, name, count, again, lat, lon in session.exec(query).all()]
    return sorted(spots, key=lambda spot: (-spot.count, spot.cell_code, spot.category_code))


@router.get("/tickets", response_model=MapTickets)
def map_tickets(session: SessionDep, user: CurrentUser, calendar: CalendarDep):
    """Open tickets to draw: an inspector's in their cells, a unit's own, every one for staff (at most 2,000)."""
    return open_tickets(session, user, calendar)


@router.get("/hotspots", response_model=list[Hotspot])
def map_hotspots(session: SessionDep, _user: Annotated[User, Depends(require_roles(*STAFF))],
                 days: Annotated[int, Query(ge=1, le=365)] = 30):
    """Where problems recur (反复): per cell and category over the last `days` days."""
    return hotspots(session, days)
