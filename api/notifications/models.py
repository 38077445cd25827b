import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """An in-app message to one user about one ticket, written in the transaction that caused it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    ticket_id: uuid.UUID = Field(foreign_key="tickets.id")
    kind: str = Field(max_length=32)
    title: str = Field(max_length=128)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class WebhookDelivery(SQLModel, table=True):
    """Transactional outbox for a bureau's group robot (WeCom/DingTalk markdown): written with the
    event, delivered by the worker at least once, with retries and backoff."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bureau_code: str = Field(max_length=32, foreign_key="bureaus.code")
    ticket_id: uuid.UUID = Field(foreign_key="tickets.id")
    kind: str = Field(max_length=32)
    url: str = Field(max_length=512)
    content: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=8)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
