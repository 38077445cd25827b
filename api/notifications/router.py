from fastapi import APIRouter
from sqlalchemy import update
from sqlmodel import SQLModel, col, select

from api.accounts.deps import CurrentUser
from api.database import SessionDep, utcnow
from api.errors import not_found
from api.notifications.models import Notification

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("", response_model=list[Notification])
def list_notifications(session: SessionDep, user: CurrentUser, unread: bool = False, limit: int = 100):
    """Your notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread:
        query = query.where(col(Notification.read_at).is_(None))
    return session.exec(query.order_by(col(Notification.id).desc()).limit(min(max(limit, 1), 500))).all()


@router.post("/{notification_id}/read", response_model=Notification)
def mark_read(notification_id: int, session: SessionDep, user: CurrentUser):
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
    marked = session.exec(update(Notification).where(Notification.user_id == user.id,
                                                     col(Notification.read_at).is_(None))
                          .values(read_at=utcnow())).rowcount
    return MarkedRead(marked=marked)
