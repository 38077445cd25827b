"""Who may see which ticket: one place, used by tickets, photos and (later) actions."""

from sqlalchemy import and_, false, or_
from sqlmodel import Session, col, select

from api.accounts.deps import STAFF
from api.accounts.models import Role, User
from api.errors import not_found
from api.grid.models import CellInspector
from api.tickets.models import Ticket

CAPTURERS = (Role.inspector, Role.supervisor)  # supervisors' own reports are 暗访 (source supervision)
# Roles that may fetch original photo bytes (evidence); the rest see oriented, EXIF-free copies.
ORIGINAL_READERS = (Role.dispatcher, Role.supervisor, Role.ledger, Role.admin)


def _my_cells(session: Session, user: User):
    return select(CellInspector.cell_code).where(CellInspector.user_id == user.id)


def visible_clause(session: Session, user: User):
    """A WHERE clause for the tickets `user` may see. Incomplete tickets are their author's alone."""
    mine = col(Ticket.author_id) == user.id
    complete = col(Ticket.status) != "incomplete"
    if user.role in STAFF:
        return or_(mine, complete)
    if user.role == Role.inspector:
        return or_(mine, and_(complete, col(Ticket.cell_code).in_(_my_cells(session, user))))
    if user.role == Role.bureau:
        return and_(complete, col(Ticket.bureau_code) == user.bureau_code) if user.bureau_code else false()
    return false()


def can_read(session: Session, user: User, ticket: Ticket) -> bool:
    if ticket.author_id == user.id:
        return True
    if ticket.status == "incomplete":
        return False
    if user.role in STAFF:
        return True
    if user.role == Role.bureau:
        return ticket.bureau_code is not None and ticket.bureau_code == user.bureau_code
    if user.role == Role.inspector and ticket.cell_code:
        assigned = select(CellInspector).where(CellInspector.user_id == user.id,
                                               CellInspector.cell_code == ticket.cell_code)
        return session.exec(assigned).first() is not None
    return False


def readable_ticket(session: Session, user: User, ticket_id) -> Ticket:
    """The ticket, or 404 whether it is missing or hidden (ids of others' tickets are not revealed)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not can_read(session, user, ticket):
        raise not_found("工单", "Ticket", str(ticket_id))
    return ticket


def can_read_original(user: User, ticket: Ticket) -> bool:
    return ticket.author_id == user.id or user.role in ORIGINAL_READERS
