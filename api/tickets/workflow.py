"""The ticket state machine (domain.md §6): who may do what from which state. One table; every
other module asks it. Actions carry a client `action_id`, so an offline phone can replay them.

Spot checks, which reopen false closures, live in api/spotchecks; overdue marking and automatic
escalation in the worker (api/notifications/worker.py).
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, StringConstraints, model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from api.accounts.models import Role, User
from api.bureaus.models import Bureau
from api.catalog.models import Category
from api.config import Settings
from api.database import utcnow
from api.errors import ApiError, not_found
from api.inputs import FORBID_EXTRA
from api.grid.models import CellInspector
from api.reference_data import reference
from api.tickets.access import can_read
from api.tickets.models import Photo, Ticket, TicketEvent
from api.tickets.service import add_event, photos_missing

# Every photo the phone scales down loses its camera's EXIF, so this flag alone would make the note a formality.
_WEAK_FLAGS = {"camera_metadata_missing"}


def evidence_flags(session: Session, ticket: Ticket, verification_photo_ids: list[uuid.UUID]) -> list[dict]:
    """The integrity flags on the evidence a pass rests on: the latest rectification's photos and the
    verifier's own (an earlier, failed rectification's photos are history, not evidence)."""
    rectified = session.exec(select(TicketEvent.payload).where(TicketEvent.ticket_id == ticket.id,
                                                               TicketEvent.action == "rectify")
                             .order_by(col(TicketEvent.id).desc())).first() or {}
    ids = [uuid.UUID(i) for i in rectified.get("photo_ids", [])] + list(verification_photo_ids)
    photos = session.exec(select(Photo).where(col(Photo.id).in_(ids))).all() if ids else []
    return [{**flag, "photo_id": str(photo.id)} for photo in photos for flag in photo.flags or []
            if flag["code"] not in _WEAK_FLAGS]


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ActionBody(SQLModel):
    model_config = FORBID_EXTRA
    action_id: uuid.UUID


class ReasonBody(ActionBody):
    reason: Text


class ReassignBody(ReasonBody):
    bureau_code: str = Field(max_length=32)


class OnSiteFix(SQLModel):
    """Where the phone was when the action was taken on site (WGS-84), kept with the event."""

    model_config = FORBID_EXTRA
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    located_at: AwareDatetime


class RectifyBody(ActionBody):
    note: Text
    photo_ids: list[uuid.UUID] = Field(min_length=1, max_length=9)
    location: OnSiteFix | None = None


class VerifyBody(ActionBody):
    result: Literal["pass", "fail"]
    note: str = Field(default="", max_length=500)
    photo_ids: list[uuid.UUID] = Field(default_factory=list, max_length=9)  # 核查照片, `?kind=verification`


class CancelBody(ReasonBody):
    duplicate_of: uuid.UUID | None = None


class NoteBody(ActionBody):
    note: Text


class ExtensionRequestBody(ReasonBody):
    """Either more working hours, or a date to finish by."""

    hours: int | None = Field(default=None, ge=1, le=2000)
    until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "ExtensionRequestBody":
        if (self.hours is None) == (self.until is None):
            raise ValueError("give either hours or until")
        return self


class ExtensionDecisionBody(ActionBody):
    approve: bool
    note: str = Field(default="", max_length=500)


def _handling_bureau(session: Session, user: User, ticket: Ticket) -> bool:
    return user.role == Role.bureau and user.bureau_code is not None and user.bureau_code == ticket.bureau_code


def _dispatcher(session: Session, user: User, ticket: Ticket) -> bool:
    return user.role in (Role.dispatcher, Role.admin)


def _verifier(session: Session, user: User, ticket: Ticket) -> bool:
    """The reporter, the cell's inspectors or supervision; never the bureau that did the work."""
    if user.role == Role.supervisor or (user.role == Role.inspector and ticket.author_id == user.id):
        return True
    return user.role == Role.inspector and session.exec(select(CellInspector).where(
        CellInspector.user_id == user.id, CellInspector.cell_code == ticket.cell_code)).first() is not None


def _supervisor(session: Session, user: User, ticket: Ticket) -> bool:
    return user.role == Role.supervisor


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: decided by the action (verify, unpark, decide_park) or unchanged (escalate…)
    may: Callable[[Session, User, Ticket], bool]
    body: type[ActionBody]
    when: Callable[[Ticket], bool] = lambda ticket: True  # a condition beyond the state


def _no_pending_extension(ticket: Ticket) -> bool:
    return ticket.extension_until is None


def _pending_extension(ticket: Ticket) -> bool:
    return ticket.extension_until is not None


def _no_pending_park_request(ticket: Ticket) -> bool:
    return ticket.park_requested_at is None


def _pending_park_request(ticket: Ticket) -> bool:
    return ticket.park_requested_at is not None


OPEN = frozenset({"reported", "dispatched", "accepted", "rectified", "rework", "returned"})
TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(frozenset({"dispatched"}), "accepted", _handling_bureau, ActionBody),
    "return": Transition(frozenset({"dispatched", "accepted"}), "returned", _handling_bureau, ReasonBody),
    "reassign": Transition(frozenset({"reported", "returned", "dispatched", "accepted"}), "dispatched",
                           _dispatcher, ReassignBody),
    "rectify": Transition(frozenset({"accepted", "rework"}), "rectified", _handling_bureau, RectifyBody),
    "verify": Transition(frozenset({"rectified"}), None, _verifier, VerifyBody),
    "cancel": Transition(OPEN - {"rectified"}, "cancelled", _dispatcher, CancelBody),
    "escalate": Transition(OPEN, None, _supervisor, NoteBody),
    "request_extension": Transition(frozenset({"dispatched", "accepted", "rework"}), None, _handling_bureau,
                                    ExtensionRequestBody, _no_pending_extension),
    "decide_extension": Transition(frozenset({"dispatched", "accepted", "rework", "rectified", "returned",
                                              "parked"}), None, _dispatcher, ExtensionDecisionBody,
                                   _pending_extension),
    "request_park": Transition(frozenset({"dispatched", "accepted", "rework"}), None, _handling_bureau, ReasonBody,
                               _no_pending_park_request),
    "decide_park": Transition(frozenset({"reported", "dispatched", "accepted", "rework", "returned"}), None,
                              _dispatcher, ExtensionDecisionBody, _pending_park_request),
    "park": Transition(frozenset({"reported", "dispatched", "accepted", "rework", "returned"}), "parked",
                       _dispatcher, ReasonBody),
    "unpark": Transition(frozenset({"parked"}), None, _dispatcher, NoteBody),
}


def may(session: Session, user: User, ticket: Ticket, action: str) -> bool:
    """Whether the user's role and relation to the ticket permit the action (in some state)."""
    return TRANSITIONS[action].may(session, user, ticket)


def allowed_actions(session: Session, user: User, ticket: Ticket) -> list[str]:
    return [name for name, t in TRANSITIONS.items()
            if ticket.status in t.sources and t.when(ticket) and t.may(session, user, ticket)]


def _request_fingerprint(action: str, body: ActionBody) -> str:
    canonical = json.dumps({"action": action, **body.model_dump(mode="json")}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(session: Session, ticket_id: uuid.UUID, action: str, body: ActionBody) -> bool:
    """True when this action_id was already applied with this very request; 409 if with another."""
    event = session.exec(select(TicketEvent).where(TicketEvent.action_id == body.action_id)).first()
    if event is None:
        return False
    if event.ticket_id != ticket_id or event.payload.get("request_sha256") != _request_fingerprint(action, body):
        raise ApiError(409, "action_conflict", "该操作编号已用于另一项操作",
                       "this action_id was used for a different request", {"action_id": str(body.action_id)})
    return True


def _apply(session: Session, settings: Settings, user: User, ticket: Ticket, action: str, body) -> tuple[str, dict]:
    """Side effects of each action; returns the new status and what the event records."""
    if action == "accept":
        return "accepted", {}
    if action == "return":
        return "returned", {"reason": body.reason}
    if action == "reassign":
        bureau = session.get(Bureau, body.bureau_code)
        if bureau is None or not bureau.is_active:
            raise ApiError(422, "unknown_bureau", f"单位 {body.bureau_code} 不存在或已停用",
                           f"unknown or inactive bureau {body.bureau_code}")
        category = session.get_one(Category, ticket.category_code)
        calendar = reference(session).calendar(settings.tz, settings.working_hours)
        previous = ticket.bureau_code
        ticket.bureau_code = bureau.code
        ticket.routing_rule_id, ticket.routing_source = None, "reassigned"
        ticket.routing_reason = f"创建办改派: {body.reason} → {bureau.name}"
        ticket.routing_reason_en = f"reassigned by the dispatcher: {body.reason} → {bureau.code}"
        ticket.dispatched_at = utcnow()
        ticket.parked_seconds = 0
        ticket.deadline_at = calendar.deadline(ticket.dispatched_at, category.deadline_value, category.deadline_unit)
        return "dispatched", {"reason": body.reason, "from_bureau": previous, "to_bureau": bureau.code,
                              "deadline_at": ticket.deadline_at.isoformat()}
    if action == "rectify":
        missing = photos_missing(session, ticket.id, "after", body.photo_ids)
        if missing:
            raise ApiError(422, "after_photo_missing", "整改照片未上传或不属于本工单",
                           "after-photos not uploaded for this ticket", {"photo_ids": missing})
        ticket.rectified_at = utcnow()
        return "rectified", {"note": body.note, "photo_ids": [str(i) for i in body.photo_ids],
                             "location": body.location.model_dump(mode="json") if body.location else None}
    if action == "verify":
        missing = photos_missing(session, ticket.id, "verification", body.photo_ids)
        if missing:
            raise ApiError(422, "verification_photo_missing", "核查照片未上传或不属于本工单",
                           "verification photos not uploaded for this ticket", {"photo_ids": missing})
        photo_ids = [str(i) for i in body.photo_ids]
        if body.result == "pass":
            flags = evidence_flags(session, ticket, body.photo_ids)
            if flags and not body.note.strip():
                raise ApiError(422, "flags_need_note", "整改照片有疑点，通过核查须说明理由",
                               "the evidence carries integrity flags: say why they do not matter to pass it",
                               {"flags": flags})
            ticket.closed_at = utcnow()
            return "closed", {"result": "pass", "note": body.note, "photo_ids": photo_ids,
                              **({"flags_acknowledged": sorted({f["code"] for f in flags})} if flags else {})}
        ticket.rework_count += 1
        return "rework", {"result": "fail", "note": body.note, "rework_count": ticket.rework_count,
                          "photo_ids": photo_ids}
    if action == "cancel":
        if body.duplicate_of is not None and (body.duplicate_of == ticket.id
                                              or session.get(Ticket, body.duplicate_of) is None):
            raise ApiError(422, "bad_duplicate_of", "重复工单编号无效", "duplicate_of names no other ticket")
        return "cancelled", {"reason": body.reason,
                             "duplicate_of": str(body.duplicate_of) if body.duplicate_of else None}
    if action == "escalate":
        ticket.escalated = True  # the state stays, the flag sticks
        return ticket.status, {"note": body.note}
    calendar = reference(session).calendar(settings.tz, settings.working_hours)
    if action == "request_extension":
        until = body.until or calendar.add(ticket.deadline_at or utcnow(), timedelta(hours=body.hours))
        if ticket.deadline_at and until <= ticket.deadline_at:
            raise ApiError(422, "extension_not_later", "延期后的时限须晚于当前时限",
                           "the extended deadline must be later than the current one")
        ticket.extension_until, ticket.extension_reason = until, body.reason
        return ticket.status, {"until": until.isoformat(), "reason": body.reason}
    if action == "decide_extension":
        until = ticket.extension_until
        assert until is not None  # the transition's condition: a request is pending
        if body.approve:
            ticket.deadline_at = until  # the only way a deadline moves other than reassignment and parking
        ticket.extension_until, ticket.extension_reason = None, None
        return ticket.status, {"approve": body.approve, "note": body.note, "until": until.isoformat()}
    now = utcnow()
    if action == "request_park":
        ticket.park_requested_at, ticket.park_request_reason = now, body.reason
        return ticket.status, {"reason": body.reason}
    if action == "decide_park":
        reason = ticket.park_request_reason
        ticket.park_requested_at, ticket.park_request_reason = None, None
        if not body.approve:
            return ticket.status, {"approve": False, "note": body.note, "reason": reason}
        ticket.parked_at, ticket.parked_from = now, ticket.status
        return "parked", {"approve": True, "note": body.note, "reason": reason}
    if action == "park":
        ticket.parked_at, ticket.parked_from = now, ticket.status
        ticket.park_requested_at, ticket.park_request_reason = None, None  # parking answers any request
        return "parked", {"reason": body.reason}
    # unpark: back where it was; the parked working time is added to the deadline, not counted against it
    assert ticket.parked_at is not None and ticket.parked_from is not None  # set together on parking
    parked = calendar.between(ticket.parked_at, now)
    ticket.parked_seconds += int(parked.total_seconds())
    if ticket.deadline_at:
        ticket.deadline_at = calendar.add(ticket.deadline_at, parked)
    back, ticket.parked_at, ticket.parked_from = ticket.parked_from, None, None
    return back, {"note": body.note, "parked_working_seconds": int(parked.total_seconds())}


def perform(session: Session, settings: Settings, user: User, ticket_id: uuid.UUID, action: str,
            body: ActionBody) -> tuple[Ticket, bool]:
    """Apply `action` once, with its body (of the transition's model). Returns (ticket, applied); applied is
    False for a replay."""
    transition = TRANSITIONS[action]
    # Lock the row, so two actions on one ticket take turns and each sees the other's outcome.
    ticket = session.exec(select(Ticket).where(Ticket.id == ticket_id).with_for_update()
                          .execution_options(populate_existing=True)).first()
    if ticket is None or not can_read(session, user, ticket):
        raise not_found("工单", "Ticket", str(ticket_id))
    if _replay(session, ticket.id, action, body):
        return ticket, False
    if not transition.may(session, user, ticket):
        raise ApiError(403, "forbidden", "无权对该工单执行此操作", "you may not do this to this ticket",
                       {"action": action, "allowed_actions": allowed_actions(session, user, ticket)})
    if ticket.status not in transition.sources or not transition.when(ticket):
        raise ApiError(409, "invalid_transition", f"工单当前状态（{ticket.status}）不能执行此操作",
                       f"cannot {action} a ticket that is {ticket.status}",
                       {"status": ticket.status, "allowed_actions": allowed_actions(session, user, ticket)})
    before = ticket.status
    after, details = _apply(session, settings, user, ticket, action, body)
    assert transition.target in (None, after), f"{action} must lead to {transition.target}"  # the table rules
    ticket.status = after
    session.add(ticket)
    try:
        with session.begin_nested():
            add_event(session, ticket, action, actor=user, from_status=before, to_status=after,
                      payload={**details, "request_sha256": _request_fingerprint(action, body)},
                      action_id=body.action_id)
            session.flush()
    except IntegrityError:  # the same action_id raced in on another ticket
        raise ApiError(409, "action_conflict", "该操作编号已用于另一项操作",
                       "this action_id was used for a different request") from None
    return ticket, True
