import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from api.accounts.deps import BearerToken, CurrentUser, authorize
from api.config import Settings
from api.database import SessionDep, transaction
from api.errors import error_responses
from api.inputs import Moment
from api.jsonbody import json_response
from api.tickets import access, events, service, workflow
from api.tickets.deps import CalendarDep
from api.tickets.models import TicketCapture
from api.tickets.schemas import ActionOutcome, TicketDetail, TicketEventPublic, TicketPage, TicketPublic

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])


# The capture answers with a pre-encoded body (api/jsonbody.py): FastAPI then uses the model for the
# documentation only, and validates nothing on the way out.
@router.put("/{ticket_id}", status_code=201, response_model=TicketPublic,
            responses={200: {"model": TicketPublic, "description": "The same capture again: the ticket as stored"},
                       **error_responses(409, 413)})
async def put_ticket(ticket_id: uuid.UUID, body: TicketCapture, request: Request, background: BackgroundTasks,
                     token: BearerToken):
    """Capture a ticket under the phone's UUID: 201 first time, 200 for the same body again, 409
    `ticket_conflict` for a different body. Then upload each declared photo. (The busiest write
    there is, so it authenticates inside its own transaction: see `authorize`.)"""
    state = request.app.state
    with state.captures.running():  # background analyses wait for a moment with no capture in flight
        status, content = await run_in_threadpool(_capture, state.engine, state.settings, token, background,
                                                  ticket_id, body)
    return json_response(content, status, background)


def _capture(engine: Engine, settings: Settings, token: str, background: BackgroundTasks, ticket_id: uuid.UUID,
             body: TicketCapture) -> tuple[int, dict]:
    with transaction(engine) as session:
        user = authorize(session, settings, token, background, access.CAPTURERS)
        ticket, new_photos = service.put_ticket(session, settings, user, ticket_id, body)
        if new_photos is None:
            return 200, service.ticket_public(session, ticket, user, with_history=False)
        return 201, service.new_capture_public(session, ticket, user, new_photos)


@router.get("/{ticket_id}", response_model=TicketDetail)
def get_ticket(ticket_id: uuid.UUID, session: SessionDep, user: CurrentUser, calendar: CalendarDep):
    ticket = access.readable_ticket(session, user, ticket_id)
    return {**service.ticket_public(session, ticket, user, calendar=calendar),
            "allowed_actions": workflow.allowed_actions(session, user, ticket)}


def _add_action_route(action: str, transition: workflow.Transition) -> None:
    """POST /{ticket_id}/actions/{action}, the URL phones have always used, with the action's own body."""

    def act(ticket_id: uuid.UUID, body: workflow.ActionBody, request: Request, session: SessionDep,
            user: CurrentUser, calendar: CalendarDep):
        settings = request.app.state.settings
        if action == "verify":  # a verdict rests on its evidence's likeness flags: photos analyse what is pending
            events.before_verdict(session, request.app.state, access.readable_ticket(session, user, ticket_id))
        ticket, applied = workflow.perform(session, settings, user, ticket_id, action, body)
        return {**service.ticket_public(session, ticket, user, calendar=calendar), "replayed": not applied,
                "allowed_actions": workflow.allowed_actions(session, user, ticket)}

    act.__annotations__["body"] = transition.body  # what FastAPI validates and documents: the action's own model
    router.add_api_route(
        f"/{{ticket_id}}/actions/{action}", act, methods=["POST"], name=f"ticket_{action}",
        response_model=ActionOutcome, responses=error_responses(409), summary=f"Ticket action: {action}",
        description=f"From {', '.join(sorted(transition.sources))}. Each request carries the client's `action_id`: "
                    "a replay answers 200 with the ticket (`replayed`); the same action_id with a different request is "
                    "409 `action_conflict`; an action the ticket's state does not allow is 409 `invalid_transition`.")


for name, transition in workflow.TRANSITIONS.items():
    _add_action_route(name, transition)


@router.get("/{ticket_id}/events", response_model=list[TicketEventPublic])
def ticket_events(ticket_id: uuid.UUID, session: SessionDep, user: CurrentUser):
    access.readable_ticket(session, user, ticket_id)
    return service.events_public(session, ticket_id)


@router.get("", response_model=TicketPage)
def list_tickets(request: Request, session: SessionDep, user: CurrentUser, calendar: CalendarDep,
                 status: Annotated[list[str] | None, Query()] = None, bureau: str | None = None,
                 cell: str | None = None, category: str | None = None, overdue: bool | None = None,
                 author: str | None = None, since: Moment | None = None, escalated: bool | None = None,
                 recurring: bool | None = None, due_from: Moment | None = None, due_to: Moment | None = None,
                 until: Moment | None = None, reworked: bool | None = None,
                 sort: Literal["deadline", "-created"] = "-created",
                 limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None):
    """Tickets the caller may see, newest first or by deadline, in pages (`next_cursor`).
    `author=me` with `status=incomplete` lists the captures a phone still has to finish;
    `due_from`/`due_to` pick tickets by deadline (the tickets behind the overview's weekly rates), `since`/`until`
    by creation (a period's reports); `reworked=true` those sent back for rework at least once."""
    statuses = [s for value in status or [] for s in value.split(",") if s]
    return service.list_tickets(session, user, status=statuses or None, bureau=bureau, cell=cell,
                                category=category, overdue=overdue, author=author, since=since,
                                escalated=escalated, recurring=recurring, due_from=due_from, due_to=due_to,
                                until=until, reworked=reworked, sort=sort, limit=limit, cursor=cursor,
                                calendar=calendar)
