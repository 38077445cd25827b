"""The worker (`gridpatrol worker`, also run by `serve`): marks overdue tickets, escalates long-overdue
ones, delivers webhook notifications, analyses photos whose process died before it could, and freezes the
figures of periods that closed. Several
workers may run: each step claims its rows under a lock (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite:
the write lock taken at BEGIN) and re-checks them; a photo two workers analyse is recorded once."""

import logging
import threading
from datetime import timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from api.bulletins import runner as bulletins_runner
from api.config import Settings
from api.database import transaction, utcnow
from api.exports import runner as exports_runner
from api.indicators import service as indicators_service
from api.notifications import service as notifications
from api.notifications.models import WebhookDelivery
from api.photos.service import analyse_pending
from api.photos.storage import LocalStorage
from api.reference_data import reference
from api.tickets.models import CLOCK_RUNNING, Ticket
from api.tickets.service import add_event

log = logging.getLogger(__name__)
BATCH = 200


def mark_overdue(engine: Engine, settings: Settings) -> int:
    now = utcnow()
    with transaction(engine) as session:
        tickets = session.exec(select(Ticket).where(
            col(Ticket.status).in_(CLOCK_RUNNING), col(Ticket.deadline_at) < now, col(Ticket.overdue_at).is_(None))
            .order_by(col(Ticket.deadline_at)).limit(BATCH).with_for_update(skip_locked=True)).all()
        for ticket in tickets:
            assert ticket.deadline_at is not None  # the query took only tickets past a deadline
            ticket.overdue_at = now
            session.add(ticket)
            add_event(session, ticket, "overdue", actor=None, from_status=ticket.status, to_status=ticket.status,
                      payload={"deadline_at": ticket.deadline_at.isoformat()})
        return len(tickets)


def auto_escalate(engine: Engine, settings: Settings) -> int:
    """Escalate (督办) what is still open this many working hours after its deadline."""
    now = utcnow()
    grace = timedelta(hours=settings.auto_escalate_after_hours)
    with transaction(engine) as session:
        calendar = reference(session).calendar(settings.tz, settings.working_hours)
        tickets = session.exec(select(Ticket).where(
            col(Ticket.status).in_(CLOCK_RUNNING), col(Ticket.overdue_at).is_not(None), Ticket.escalated == False)  # noqa: E712
            .order_by(col(Ticket.deadline_at)).limit(BATCH).with_for_update(skip_locked=True)).all()
        escalated = 0
        for ticket in tickets:
            assert ticket.deadline_at is not None  # overdue, so past a deadline
            if calendar.add(ticket.deadline_at, grace) <= now:
                ticket.escalated = True
                session.add(ticket)
                add_event(session, ticket, "auto_escalate", actor=None, from_status=ticket.status,
                          to_status=ticket.status, payload={"after_working_hours": settings.auto_escalate_after_hours})
                escalated += 1
        return escalated


def _claim(engine: Engine, limit: int = 20) -> list[WebhookDelivery]:
    """Take due deliveries for a minute; a worker that dies mid-send lets the claim lapse (at least once)."""
    now = utcnow()
    with transaction(engine) as session:
        due = session.exec(select(WebhookDelivery).where(
            WebhookDelivery.status == "pending", col(WebhookDelivery.next_attempt_at) <= now,
            or_(col(WebhookDelivery.claimed_until).is_(None), col(WebhookDelivery.claimed_until) < now))
            .order_by(col(WebhookDelivery.id)).limit(limit).with_for_update(skip_locked=True)).all()
        for delivery in due:
            delivery.claimed_until = now + timedelta(seconds=60)
            session.add(delivery)
        return list(due)


def send(client: httpx.Client, delivery: WebhookDelivery) -> str | None:
    """POST the group-robot message; the error text, or None when the robot took it."""
    payload = {"msgtype": "markdown", "markdown": {"content": delivery.content, "title": "网格巡查"}}
    try:
        response = client.post(delivery.url, json=payload, timeout=10)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if not response.is_success:
        return f"HTTP {response.status_code}"
    try:
        errcode = response.json().get("errcode", 0)  # WeCom and DingTalk answer 200 with an errcode
    except ValueError:
        errcode = 0
    return None if errcode == 0 else f"errcode {errcode}"


def deliver_webhooks(engine: Engine, settings: Settings, client: httpx.Client) -> int:
    sent = 0
    for delivery in _claim(engine):
        error = send(client, delivery)
        with transaction(engine) as session:
            row = session.get_one(WebhookDelivery, delivery.id)
            row.attempts += 1
            row.claimed_until = None
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", utcnow(), None
                sent += 1
            else:
                row.last_error = error
                delay = min(settings.webhook_backoff_seconds * 2 ** (row.attempts - 1), 3600)
                row.next_attempt_at = utcnow() + timedelta(seconds=delay)
                if row.attempts >= settings.webhook_max_attempts:
                    row.status = "failed"
            session.add(row)
    return sent


def freeze_indicators(engine: Engine, settings: Settings) -> int:
    """Count one recently closed period by one grouping and keep it (api/indicators/models.FrozenTally), so
    rankings and bulletins read it rather than count a month of tickets again; one a round keeps the rounds
    short. Counted in one snapshot (SQLite's read transaction, PostgreSQL's repeatable read), so a ticket that
    changes meanwhile is counted once, and stored in a short write of its own."""
    snapshot = engine
    if engine.dialect.name == "postgresql":
        snapshot = engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(snapshot) as session:
        tally = indicators_service.next_to_freeze(session, settings, utcnow())
        session.rollback()
    if tally is None:
        return 0
    try:
        with transaction(engine) as session:
            session.add(tally)
    except IntegrityError:  # another worker froze it first
        return 0
    return 1


def run_once(engine: Engine, settings: Settings, client: httpx.Client) -> dict[str, int]:
    notifications.subscribe()  # the worker's own events (overdue, escalation) notify, in any process
    return {"overdue": mark_overdue(engine, settings), "escalated": auto_escalate(engine, settings),
            "webhooks_sent": deliver_webhooks(engine, settings, client),
            "photos_analysed": analyse_pending(engine, settings, LocalStorage(settings.data_dir / "photos")),
            "periods_frozen": freeze_indicators(engine, settings),
            "bulletins_resumed": bulletins_runner.resume_abandoned(engine, settings),
            **exports_runner.worker_round(engine, settings)}


def run_forever(engine: Engine, settings: Settings, stop: threading.Event) -> None:
    with httpx.Client() as client:
        while not stop.is_set():
            try:
                run_once(engine, settings, client)
            except Exception:  # keep going: the next round retries whatever failed
                log.exception("worker round failed")
            stop.wait(settings.worker_interval_seconds)
