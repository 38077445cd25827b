"""The audit trail: services call record() inside the transaction that makes the change, so a change and its
entry are committed (or rolled back) together."""

from typing import Any
from urllib.parse import urlsplit

from pydantic_core import to_jsonable_python
from sqlmodel import Session, col, select

from api.accounts.models import User
from api.audit.models import AuditEntry, AuditPage, AuditPublic, Change
from api.database import stored_id

# Never written to the trail: a hash or a token is a credential, whoever reads the trail.
_SECRET = {"password", "password_hash", "digest", "token", "access_token"}


def _shown(field: str, value: Any) -> Any:
    if field == "webhook_url" and value:
        # A robot's URL carries its key in the query: the trail keeps only where it points.
        parts = urlsplit(str(value))
        return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")
    return to_jsonable_python(value)  # times, dates and enums as JSON holds them


def record(session: Session, *, actor: str, entity: str, key: str, action: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEntry | None:
    """Note a change: the fields whose value differs between `before` and `after` (either may be None, for
    a creation or an action without fields). An update that changed nothing leaves no entry."""
    before, after = before or {}, after or {}
    changes = {field: {"before": _shown(field, before.get(field)), "after": _shown(field, after.get(field))}
               for field in dict.fromkeys([*before, *after])
               if field not in _SECRET and before.get(field) != after.get(field)}
    if not changes and action == "update":
        return None
    entry = AuditEntry(actor=actor, entity=entity, entity_key=str(key)[:128],
                       action=action, changes=changes)
    session.add(entry)
    session.flush()
    return entry


def page(session: Session, *, entity: str | None, limit: int, cursor: int | None) -> AuditPage:
    """Newest first; `cursor` is the id the previous page ended before."""
    query = (select(AuditEntry, User.display_name)
             .join(User, col(User.username) == AuditEntry.actor, isouter=True)
             .order_by(col(AuditEntry.id).desc()).limit(limit + 1))
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if cursor is not None:
        query = query.where(col(AuditEntry.id) < cursor)
    rows = session.exec(query).all()
    items = [AuditPublic(id=stored_id(e.id), at=e.at, actor=e.actor, actor_name=name, entity=e.entity,
                         entity_key=e.entity_key, action=e.action,
                         changes={f: Change.model_validate(c) for f, c in e.changes.items()})
             for e, name in rows[:limit]]
    return AuditPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)
