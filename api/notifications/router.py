import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import update
from sqlmodel import SQLModel, col, select

from api.accounts.deps import CurrentUser
from api.catalog.models import Category
from api.database import SessionDep, utcnow
from api.errors import not_found
from api.grid.models import GridCell
from api.inputs import RowId
from api.notifications.models import Notification
from api.tickets.models import Ticket

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class NotificationPublic(SQLModel):
    id: int
    ticket_id: uuid.UUID
    kind: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
    category_name: str  # what and where, so a list of them reads without opening each ticket
    cell_name: str | None


@router.get("", response_model=list[NotificationPublic])
def list_notifications(session: SessionDep, user: CurrentUser, unread: bool = False,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100):
    """Your notifications, newest first, with the ticket's category and cell by name."""
    query = (select(Notification, Category.name, GridCell.name)
             .join(Ticket, col(Ticket.id) == Notification.ticket_id)
             .join(Category, col(Category.code) == Ticket.category_code)
             .join(GridCell, col(GridCell.code) == Ticket.cell_code, isouter=True)
             .where(Notification.user_id == user.id))
    if unread:
        query = query.where(col(Notification.read_at).is_(None))
    rows = session.exec(query.order_by(col(Notification.id).desc()).limit(limit)).all()
    return [NotificationPublic(**n.model_dump(), category_name=category, cell_name=cell) for n, category, cell in rows]


@router.post("/{notification_id}/read", response_model=Notification)
def mark_read(notification_id: RowId, session: SessionDep, user: CurrentUser):
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise not_found("通知", "Notification", notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
        session.flush()
    return notification


class MarkedRead(SQLModel):
    marked: int


@router.post("/read-all", response_model=MarkedRead)
def mark_all_read(session: SessionDep, user: CurrentUser):
    """Mark every unread notification of yours read."""
    marked = session.exec(update(Notification).where(col(Notification.user_id) == user.id,
                                                     col(Notification.read_at).is_(None))
                          .values(read_at=utcnow())).rowcount
    return MarkedRead(marked=marked)
