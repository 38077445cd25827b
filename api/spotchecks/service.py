"""Supervision spot checks (督察抽查, docs/domain.md §7): a stratified random sample of closed tickets per
bureau, reproducible from its seed; on-site re-inspection; a failure reopens the ticket and counts as
a false closure against the bureau."""

import hashlib
import json
import math
import random
import secrets
import uuid
from collections import defaultdict
from typing import cast

from sqlmodel import Session, col, select

from api.accounts.models import Role, User
from api.database import stored_id, utcnow
from api.errors import ApiError, not_found
from api.photos import service as photo_service
from api.spotchecks.models import DrawRequest, SpotCheck, SpotCheckDraw, SpotCheckResult
from api.tickets.models import Ticket
from api.tickets.service import add_event, photos_missing


def sample(candidates: dict[str, list[str]], *, rate: float, min_per_bureau: int, seed: int) -> dict[str, list[str]]:
    """The draw itself, a pure function: per bureau (in code order) max(min, ⌈rate·n⌉) of its ticket ids
    (in id order), capped at n, with one random generator seeded once."""
    rng = random.Random(seed)
    chosen = {}
    for bureau in sorted(candidates):
        ids = sorted(candidates[bureau])
        k = min(len(ids), max(min_per_bureau, math.ceil(rate * len(ids))))
        chosen[bureau] = sorted(rng.sample(ids, k))
    return chosen


def draw(session: Session, user: User, request: DrawRequest) -> tuple[SpotCheckDraw, list[SpotCheck]]:
    if request.closed_to <= request.closed_from:
        raise ApiError(422, "bad_period", "抽查区间的结束须晚于开始", "closed_to must be after closed_from")
    seed = request.seed if request.seed is not None else secrets.randbits(62)
    already = select(SpotCheck.ticket_id).where(SpotCheck.status == "open")
    rows = session.exec(select(Ticket.id, Ticket.bureau_code).where(
        Ticket.status == "closed", col(Ticket.bureau_code).is_not(None),
        col(Ticket.closed_at) >= request.closed_from, col(Ticket.closed_at) < request.closed_to,
        col(Ticket.id).not_in(already))).all()
    candidates: dict[str, list[str]] = defaultdict(list)
    for ticket_id, bureau in rows:
        candidates[cast(str, bureau)].append(str(ticket_id))  # not NULL: the query says so
    record = SpotCheckDraw(seed=seed, closed_from=request.closed_from, closed_to=request.closed_to,
                           rate=request.rate, min_per_bureau=request.min_per_bureau, drawn_by=stored_id(user.id))
    session.add(record)
    session.flush()
    tasks = [SpotCheck(draw_id=stored_id(record.id), ticket_id=uuid.UUID(ticket_id), bureau_code=bureau)
             for bureau, ids in sample(candidates, rate=request.rate, min_per_bureau=request.min_per_bureau,
                                       seed=seed).items() for ticket_id in ids]
    session.add_all(tasks)
    session.flush()
    return record, tasks


def _fingerprint(body: SpotCheckResult) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def record_result(session: Session, user: User, task_id: int, body: SpotCheckResult) -> tuple[SpotCheck, bool]:
    """Pass or fail on site, once per action_id. A failure reopens the closed ticket as rework."""
    task = session.exec(select(SpotCheck).where(SpotCheck.id == task_id).with_for_update()).first()
    if task is None:
        raise not_found("抽查任务", "Spot check", task_id)
    if task.action_id is not None:
        if task.action_id == body.action_id and task.request_sha256 == _fingerprint(body):
            return task, False
        raise ApiError(409, "spotcheck_done", "该抽查已有结论", "this spot check already has a result",
                       {"status": task.status})
    missing = photos_missing(session, task.ticket_id, "spotcheck", body.photo_ids)
    if missing:
        raise ApiError(422, "spotcheck_photo_missing", "抽查照片未上传或不属于本工单",
                       "spot-check photos not uploaded for this ticket", {"photo_ids": missing})
    ticket = session.exec(select(Ticket).where(Ticket.id == task.ticket_id).with_for_update()).one()
    before = ticket.status
    if body.result == "fail" and ticket.status == "closed":
        ticket.status, ticket.closed_at = "rework", None
        ticket.rework_count += 1
        session.add(ticket)
    task.status = "passed" if body.result == "pass" else "failed"
    task.note, task.photo_ids = body.note, [str(i) for i in body.photo_ids]
    task.result_by, task.result_at = user.id, utcnow()
    task.action_id, task.request_sha256 = body.action_id, _fingerprint(body)
    session.add(task)
    add_event(session, ticket, "spotcheck", actor=user, from_status=before, to_status=ticket.status,
              payload={"spotcheck_id": task.id, "result": body.result, "note": body.note,
                       "false_closure": body.result == "fail", "photo_ids": task.photo_ids},
              action_id=body.action_id)
    session.flush()
    return task, True


def _may_add_spotcheck_photo(session: Session, user: User, ticket: Ticket) -> None:
    """抽查照片: by a supervisor, while a spot check of the ticket is open."""
    if user.role != Role.supervisor:
        raise ApiError(403, "forbidden", "只有督察组可以上传抽查照片", "only supervisors upload spot-check photos")
    if session.exec(select(SpotCheck).where(SpotCheck.ticket_id == ticket.id,
                                            SpotCheck.status == "open")).first() is None:
        raise ApiError(409, "no_open_spotcheck", "该工单没有待完成的抽查", "no open spot check for this ticket")


def subscribe() -> None:
    """抽查照片 join the photo domain's undeclared uploads."""
    photo_service.admit_extra_photos("spotcheck", _may_add_spotcheck_photo)
