"""What the ticket domain tells the domains above it, without importing them: each subscribes once at
start-up (api/main.create_app; each round of the worker), and the ticket domain calls whoever subscribed.

- `emit`: an event was appended to a ticket's history (service.add_event), in its transaction;
  notifications turn some into messages.
- `before_verdict`: a verification is about to be decided; photos analyse the evidence still pending,
  so the verdict is stored with its likeness flags.
"""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from api.tickets.models import Ticket

# (session, ticket, action, the status it leads to, the reason or note given)
EventListener = Callable[[Session, Ticket, str, str | None, str], None]
# (session, the application's state (settings, storage…), the ticket to be verified)
VerdictListener = Callable[[Session, Any, Ticket], None]

_event_listeners: list[EventListener] = []
_verdict_listeners: list[VerdictListener] = []


def on_event(listener: EventListener) -> None:
    if listener not in _event_listeners:  # an application made twice (tests) subscribes once
        _event_listeners.append(listener)


def on_verdict(listener: VerdictListener) -> None:
    if listener not in _verdict_listeners:
        _verdict_listeners.append(listener)


def emit(session: Session, ticket: Ticket, action: str, to_status: str | None, detail: str) -> None:
    for listener in _event_listeners:
        listener(session, ticket, action, to_status, detail)


def before_verdict(session: Session, state: Any, ticket: Ticket) -> None:
    for listener in _verdict_listeners:
        listener(session, state, ticket)
