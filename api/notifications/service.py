"""Who hears about what (docs/domain.md §6): notifications are written in the same transaction as the
ticket event that causes them (a transactional outbox), so none is lost and none is sent for a change
that rolled back. They hear of the events through api/tickets/events.py (`subscribe`, at start-up). The
worker delivers the webhooks."""

from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session

from api.accounts.models import User
from api.config import get_settings
from api.database import table_of, utcnow
from api.driverstatements import DriverStatement
from api.notifications.models import Notification, WebhookDelivery
from api.reference_data import reference
from api.tickets import events
from api.tickets.models import Ticket


@cache
def _county_tz() -> ZoneInfo:
    return get_settings().tz


# event action (or resulting status) → (who hears: "bureau" | "dispatchers" | "author", title)
RULES = {
    "dispatched": ("bureau", "新工单待签收"),
    "rework": ("bureau", "整改未通过，请返工"),
    "escalate": ("bureau", "工单被督办"),
    "auto_escalate": ("bureau", "工单超期已自动督办"),
    "overdue": ("bureau", "工单已超期"),
    "decide_extension": ("bureau", "延期申请已处理"),
    "returned": ("dispatchers", "工单被退回，请改派"),
    "reported": ("dispatchers", "有未能自动派遣的工单"),
    "request_extension": ("dispatchers", "有新的延期申请"),
    "request_park": ("dispatchers", "有新的挂账申请"),
    "decide_park": ("bureau", "挂账申请已处理"),
    "rectified": ("author", "问题已整改，请核查"),
}


def _insert_for(*where) -> DriverStatement:
    """Every dispatch asks, so each audience's notifications are one INSERT … SELECT on the driver
    connection (api/driverstatements.py), without a round trip to read the recipients first."""
    users, notifications = table_of(User).c, table_of(Notification)
    copied = ("ticket_id", "kind", "title", "body", "created_at")
    return DriverStatement(insert(notifications).from_select(
        ["user_id", *copied],
        select(users.id, *(bindparam(c, type_=notifications.c[c].type) for c in copied))
        .where(users.is_active, *where)))


_USERS = table_of(User).c
_NOTIFY = {
    "bureau": _insert_for(_USERS.role == "bureau", _USERS.bureau_code == bindparam("bureau_code")),
    "dispatchers": _insert_for(_USERS.role == "dispatcher"),
    "author": _insert_for(_USERS.id == bindparam("author_id")),
}


def subscribe() -> None:
    """Hear of ticket events from now on (api/main.create_app and each round of the worker call it)."""
    events.on_event(notify)


def notify(session: Session, ticket: Ticket, action: str, to_status: str | None, detail: str = "") -> None:
    """Queue the in-app notifications and the bureau webhook an event calls for (if any)."""
    kind = action if action in RULES else to_status or ""
    rule = RULES.get(kind)
    if rule is None or action == "photo_received":
        return
    audience, title = rule
    ref = reference(session)
    category = ref.categories.get(ticket.category_code)
    cell = ref.cells.get(ticket.cell_code) if ticket.cell_code else None
    # Read in a group chat and on a phone: names and the county's local time, not codes and UTC.
    tz = _county_tz()
    body = (f"**{title}**\n> {category.name if category else ticket.category_code} · {cell.name if cell else '网格外'}"
            + f" · {ticket.captured_at.astimezone(tz):%m月%d日 %H:%M} 上报"
            + (f"\n> {ticket.description[:60]}" if ticket.description else "")
            + (f"\n> 时限 {ticket.deadline_at.astimezone(tz):%m月%d日 %H:%M}" if ticket.deadline_at else "")
            + (f"\n> {detail}" if detail else ""))
    _NOTIFY[audience].run(session, {"bureau_code": ticket.bureau_code, "author_id": ticket.author_id,
                                    "ticket_id": ticket.id, "kind": kind, "title": title, "body": body,
                                    "created_at": utcnow()})
    if audience == "bureau" and ticket.bureau_code:
        webhook_url = reference(session).webhook_urls.get(ticket.bureau_code)
        if webhook_url:
            session.add(WebhookDelivery(bureau_code=ticket.bureau_code, ticket_id=ticket.id, kind=kind,
                                        url=webhook_url, content=body))
