from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One admin change: who, when, which entity, and its changed fields before and after. Append-only."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity_id", "entity", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(max_length=64)  # the username, or "cli" (as routing rules' updated_by)
    entity: str = Field(max_length=32)  # user, bureau, …
    entity_key: str = Field(max_length=128)  # the username, the bureau's code…
    action: str = Field(max_length=32)  # create, update, import, reset_password, revoke_tokens, test_webhook…
    # {field: {"before": …, "after": …}}; secrets never reach it (service.record).
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Change(SQLModel):
    before: Any = None
    after: Any = None


class AuditPublic(SQLModel):
    id: int
    at: datetime
    actor: str  # the username, or "cli"
    actor_name: str | None  # the account's display name
    entity: str
    entity_key: str
    action: str
    changes: dict[str, Change]


class AuditPage(SQLModel):
    items: list[AuditPublic]
    next_cursor: int | None  # pass as `cursor` for the next (older) page
