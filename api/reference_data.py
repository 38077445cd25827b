"""The county's reference data (categories, point types, cells, bureaus, routing rules, calendar
overrides), read once per process and reused until it changes. It sits below the domains that work
tickets (tickets, photos, notifications, indicators) and above the reference-data domains' tables.

Completing a ticket needs all of it; reading it every time cost six queries per photo. Every write
to these tables, through any session, stamps a new random token on the `reference_version` row in
the same transaction (see `_stamp_on_flush` / `_stamp_on_bulk`), so a process that finds the token
it cached with has an up-to-date copy, and one that finds another token reloads. Random rather than
a counter: a wiped table starting again at 1 could otherwise match an old copy.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert, update
from sqlmodel import Field, Session, SQLModel, col, select

from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.database import stored_id, table_of
from api.driverstatements import DriverStatement
from api.grid.models import GridCell
from api.routing import engine
from api.routing.models import RoutingRule
from api.workcalendar.models import CalendarOverride
from api.workcalendar.service import WorkCalendar, parse_hours

TABLES = frozenset({"categories", "point_types", "grid_cells", "bureaus", "routing_rules", "calendar_overrides"})


class ReferenceVersion(SQLModel, table=True):
    """One row: the token of the reference data's current state."""

    __tablename__ = "reference_version"
    id: int = Field(default=1, primary_key=True)
    token: str = Field(max_length=32)


@dataclass(frozen=True)
class CategoryRef:
    code: str
    name: str
    name_en: str
    default_bureau_code: str | None
    deadline_value: int
    deadline_unit: str
    is_active: bool


@dataclass(frozen=True)
class Reference:
    categories: dict[str, CategoryRef]
    point_types: frozenset[str]
    cells: dict[str, engine.CellFacts]
    bureau_names: dict[str, str]  # active bureaus only
    webhook_urls: dict[str, str]  # bureaus with a webhook, active or not
    rules: list[engine.Rule]  # enabled rules, in order
    calendar_overrides: dict[date, bool]

    def calendar(self, tz: ZoneInfo, hours: str) -> WorkCalendar:
        """A calendar of its own for the caller: WorkCalendar fills its prefix sums as it is asked."""
        return WorkCalendar(tz=tz, hours=parse_hours(hours), overrides=self.calendar_overrides)


_cached: dict[str, tuple[str, Reference]] = {}  # database URL → (token, reference)
# Every capture reads it: a statement on the driver connection (api/driverstatements.py).
_VERSION = table_of(ReferenceVersion)
_TOKEN = DriverStatement(select(_VERSION.c.token).where(_VERSION.c.id == 1))


def reference(session: Session) -> Reference:
    """The reference data as this session sees it: checked once per session, cached while the token
    stands."""
    if "reference" in session.info:
        return session.info["reference"]
    if session.new or session.dirty or session.deleted:
        session.flush()  # as a query through the ORM would: a change of the reference data stamps a new token
    token = _TOKEN.first(session)
    token = token[0] if token else None
    key = str(session.get_bind().engine.url)
    cached = _cached.get(key)
    if token is not None and cached is not None and cached[0] == token:
        found = cached[1]
    else:
        found = _load(session)
        if token is not None:
            _cached[key] = (token, found)
    session.info["reference"] = found
    return found


def _load(session: Session) -> Reference:
    categories = {c.code: CategoryRef(c.code, c.name, c.name_en, c.default_bureau_code, c.deadline_value,
                                      c.deadline_unit, c.is_active) for c in session.exec(select(Category))}
    cells = {code: engine.CellFacts(code, name, bureau) for code, name, bureau in session.exec(
        select(GridCell.code, GridCell.name, GridCell.responsible_bureau_code))}
    ordered = session.exec(select(RoutingRule).order_by(col(RoutingRule.position)))
    rules = [r.as_engine_rule(stored_id(r.id)) for r in ordered if r.is_enabled]
    return Reference(
        categories=categories,
        point_types=frozenset(session.exec(select(PointType.code)).all()),
        cells=cells,
        bureau_names=dict(session.exec(select(Bureau.code, Bureau.name).where(Bureau.is_active == True)).all()),  # noqa: E712
        webhook_urls={code: url for code, url in session.exec(select(Bureau.code, Bureau.webhook_url))
                      if url is not None},
        rules=rules,
        calendar_overrides={o.day: o.is_workday for o in session.exec(select(CalendarOverride))},
    )


def _stamp(session: Session) -> None:
    session.info.pop("reference", None)  # this session now sees its own change
    connection, token = session.connection(), secrets.token_hex(16)
    if connection.execute(update(_VERSION).where(_VERSION.c.id == 1).values(token=token)).rowcount == 0:
        connection.execute(insert(_VERSION).values(id=1, token=token))  # the row was wiped (tests empty tables)


@event.listens_for(Session, "before_flush")
def _stamp_on_flush(session: Session, _context, _instances) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(getattr(obj, "__tablename__", None) in TABLES for obj in changed):
        _stamp(session)


@event.listens_for(Session, "do_orm_execute")
def _stamp_on_bulk(state) -> None:
    """`session.exec(delete(RoutingRule))` and the like bypass the flush."""
    if (state.is_insert or state.is_update or state.is_delete) and state.statement.table.name in TABLES:
        _stamp(state.session)
