"""A hand-built history for the indicator tests: tickets written as rows, each step adding the event the
workflow would and changing the columns as it would, at fixed times in the county's zone."""

import hashlib
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from api.accounts.models import Role, User
from api.spotchecks.models import SpotCheck, SpotCheckDraw
from api.tickets.models import Ticket, TicketEvent
from tests.factories import make_bureau, make_category, make_cell, make_user, square

TZ = ZoneInfo("Asia/Shanghai")
C1, C2, C3 = "330790001001001", "330790001002001", "330790002001001"  # C1, C2: one street; C3 another


def local(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def county(db: Session) -> dict[str, User]:
    """Four units, three cells, one category (2 working hours), an inspector for each of two cells."""
    for code, name in (("zhzf", "综合执法局"), ("jjdd", "交警大队"), ("zjj", "住建局"), ("sjj", "市监局")):
        make_bureau(db, code, name)
    make_cell(db, C1, square(0, 0), responsible="zhzf", name="一号网格")
    make_cell(db, C2, square(1, 0), responsible="zjj", name="二号网格")
    make_cell(db, C3, square(2, 0), responsible="sjj", name="三号网格")
    make_category(db, "0506", default_bureau_code="zhzf", deadline_value=2, deadline_unit="wh")
    users = {"insp1": make_user(db, "insp1", Role.inspector, cells=(C1,)),
             "insp2": make_user(db, "insp2", Role.inspector, cells=(C2,)),
             "insp3": make_user(db, "insp3", Role.inspector, cells=(C3,)),
             "supervisor": make_user(db, "supervisor", Role.supervisor),
             "dispatcher": make_user(db, "dispatcher", Role.dispatcher),
             "leader": make_user(db, "leader", Role.leader)}
    for code in ("zhzf", "jjdd", "zjj", "sjj"):
        users[f"{code}1"] = make_user(db, f"{code}1", Role.bureau, bureau_code=code)
    db.commit()
    return users


class Story:
    """One ticket's life, step by step."""

    def __init__(self, db: Session, author: User, cell: str, created: datetime, source: str | None = None,
                 **columns):
        """`source` by the author's role unless given (a citizen's report: its author is the reviewer)."""
        self.db = db
        ticket_id = uuid.uuid4()
        self.ticket = Ticket(id=ticket_id, author_id=author.id, category_code="0506", lat=28.905, lon=120.005,
                             accuracy_m=5, located_at=created, captured_at=created, cell_code=cell,
                             source=source or ("supervision" if author.role == Role.supervisor else "inspection"),
                             request_sha256=hashlib.sha256(ticket_id.bytes).hexdigest(), created_at=created,
                             **columns)
        self._save()
        self._event(created, "created", None, "incomplete", author)

    def _save(self) -> None:
        self.db.add(self.ticket)
        self.db.flush()

    def _event(self, when: datetime, action: str, before: str | None, after: str, actor: User | None = None,
               **payload) -> None:
        self.db.add(TicketEvent(ticket_id=self.ticket.id, at=when, action=action, from_status=before,
                                to_status=after, actor_id=actor.id if actor else None,
                                actor_role=actor.role if actor else None, payload=payload))
        self.db.flush()

    def _move(self, when: datetime, action: str, after: str, actor: User | None = None, **payload) -> "Story":
        before, self.ticket.status = self.ticket.status, after
        self._save()
        self._event(when, action, before, after, actor, **payload)
        return self

    def dispatch(self, when: datetime, bureau: str | None, deadline: datetime | None = None) -> "Story":
        """Completion: routed to `bureau` (or waiting for the dispatcher) with the deadline the calendar gave."""
        t = self.ticket
        t.completed_at, t.bureau_code, t.deadline_at = when, bureau, deadline
        t.dispatched_at = when if bureau else None
        status = "dispatched" if bureau else "reported"
        return self._move(when, status, status, bureau_code=bureau, cell_code=t.cell_code)

    def accept(self, when: datetime) -> "Story":
        return self._move(when, "accept", "accepted")

    def return_(self, when: datetime, liaison: User) -> "Story":
        return self._move(when, "return", "returned", liaison, reason="不属于本单位")

    def reassign(self, when: datetime, bureau: str, deadline: datetime) -> "Story":
        t = self.ticket
        previous = t.bureau_code
        t.bureau_code, t.dispatched_at, t.parked_seconds, t.deadline_at = bureau, when, 0, deadline
        t.routing_source = "reassigned"
        return self._move(when, "reassign", "dispatched", reason="改派", from_bureau=previous, to_bureau=bureau,
                          deadline_at=deadline.isoformat())

    def rectify(self, when: datetime) -> "Story":
        self.ticket.rectified_at = when
        return self._move(when, "rectify", "rectified", note="已整改", photo_ids=[])

    def verify(self, when: datetime, passed: bool = True, flags: tuple[str, ...] = ()) -> "Story":
        if not passed:
            self.ticket.rework_count += 1
            return self._move(when, "verify", "rework", result="fail", note="整改不到位")
        self.ticket.closed_at = when
        return self._move(when, "verify", "closed", result="pass", note="已核实",
                          **({"flags_acknowledged": list(flags)} if flags else {}))

    def spotcheck(self, when: datetime, passed: bool, supervisor: User) -> "Story":
        t = self.ticket
        draw = SpotCheckDraw(seed=1, closed_from=when - timedelta(days=30), closed_to=when, rate=0.1,
                             min_per_bureau=1, drawn_by=supervisor.id)
        self.db.add(draw)
        self.db.flush()
        self.db.add(SpotCheck(draw_id=draw.id, ticket_id=t.id, bureau_code=t.bureau_code,
                              status="passed" if passed else "failed", result_by=supervisor.id, result_at=when))
        after = t.status
        if not passed:
            after, t.closed_at = "rework", None
            t.rework_count += 1
        return self._move(when, "spotcheck", after, supervisor, result="pass" if passed else "fail",
                          false_closure=not passed)

    def park(self, when: datetime) -> "Story":
        self.ticket.parked_at, self.ticket.parked_from = when, self.ticket.status
        return self._move(when, "park", "parked", reason="需列入预算")

    def unpark(self, when: datetime, parked_seconds: int, deadline: datetime) -> "Story":
        t = self.ticket
        back = t.parked_from
        t.parked_at, t.parked_from, t.deadline_at = None, None, deadline
        t.parked_seconds += parked_seconds
        return self._move(when, "unpark", back, note="恢复", parked_working_seconds=parked_seconds)

    def cancel(self, when: datetime) -> "Story":
        return self._move(when, "cancel", "cancelled", reason="重复", duplicate_of=None)

    def extend(self, when: datetime, until: datetime) -> "Story":
        self.ticket.deadline_at = until
        return self._move(when, "decide_extension", self.ticket.status, approve=True, note="",
                          until=until.isoformat())
