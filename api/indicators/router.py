from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Field, SQLModel

from api.accounts.deps import STAFF, require_roles
from api.accounts.models import Role, User
from api.database import SessionDep, utcnow
from api.errors import forbidden
from api.indicators import service, trends, weekly
from api.indicators.models import Grouping, Indicators, Overview, Rankings
from api.indicators.trends import Trend, TrendQuery
from api.indicators.weekly import DispatchSheet, DispatchSheetQuery
from api.inputs import FORBID_EXTRA

router = APIRouter(prefix="/api/v1", tags=["indicators"])
Staff = Annotated[User, Depends(require_roles(*STAFF))]
StaffOrLiaison = Annotated[User, Depends(require_roles(*STAFF, Role.bureau))]


class IndicatorQuery(SQLModel):
    model_config = FORBID_EXTRA
    period: str | None = Field(default=None, max_length=16, description="2026-11-30, 2026-W48, 2026-11 or 2026-Q4")
    from_: date | None = Field(default=None, alias="from", description="first day, in the county's zone")
    to: date | None = Field(default=None, description="the day after the last (excluded)")
    by: Grouping = "bureau"


class RankingQuery(SQLModel):
    model_config = FORBID_EXTRA
    period: str = Field(max_length=16, description="2026-11, 2026-W48 or 2026-Q4 (or a day)")


def _own_unit(user: User) -> str | None:
    """None for staff (every unit); a liaison's own unit, whose figures alone it reads."""
    if user.role in STAFF:
        return None
    if not user.bureau_code:
        raise forbidden()
    return user.bureau_code


@router.get("/indicators/overview", response_model=Overview)
def overview(request: Request, session: SessionDep, _user: Staff):
    """Open, overdue and escalated tickets per bureau, today's reports, this week's closure and
    on-time rates. Each figure has a ticket list behind it (`GET /api/v1/tickets` with filters)."""
    return service.overview(session, utcnow(), request.app.state.settings.tz)


@router.get("/indicators", response_model=Indicators, response_model_exclude_unset=True)
def get_indicators(request: Request, session: SessionDep, user: StaffOrLiaison,
                   query: Annotated[IndicatorQuery, Query()]):
    """The figures of a period (`period=`, or `from`/`to` with `to` excluded) per unit, street, community,
    cell, inspector, category or key point, as they stood at the period's end (now while it runs), with the
    county's totals. Formulas: api/indicators/figures.py. A unit's liaison reads its own unit's row (`by=bureau`)."""
    bureau = _own_unit(user)
    if bureau is not None and query.by != "bureau":
        raise forbidden({"by": ["bureau"]})
    period = service.resolve_period(query.period, query.from_, query.to)
    return service.indicators(session, request.app.state.settings, period=period, by=query.by, bureau=bureau)


@router.get("/rankings", response_model=Rankings)
def get_rankings(request: Request, session: SessionDep, user: StaffOrLiaison,
                 query: Annotated[RankingQuery, Query()]):
    """Units ranked by composite score for the period, with grade, change in rank since the previous period and
    the red and black lists (红黑榜). A unit with fewer tickets due than the minimum is listed but not ranked. A
    unit's liaison reads its own row."""
    period = service.resolve_period(query.period, None, None)
    return service.rankings(session, request.app.state.settings, period=period, bureau=_own_unit(user))


@router.get("/indicators/trend", response_model=Trend)
def get_trend(request: Request, session: SessionDep, user: StaffOrLiaison, query: Annotated[TrendQuery, Query()]):
    """The main figures of the last `count` weeks or months, the current one last, for the county or one unit
    (`bureau`), each as it stood at its period's end. A unit's liaison reads its own unit's."""
    own = _own_unit(user)
    if own is not None and query.bureau not in (None, own):
        raise forbidden({"bureau": [own]})
    return trends.trend(session, request.app.state.settings, step=query.step, count=query.count,
                        bureau=own or query.bureau, now=utcnow())


@router.get("/dispatch-sheet", response_model=DispatchSheet)
def get_dispatch_sheet(request: Request, session: SessionDep, user: StaffOrLiaison,
                       query: Annotated[DispatchSheetQuery, Query()]):
    """周调度: per unit, the week's new, closed, overdue, escalated and returned tickets and recurring hotspots,
    with the overdue and escalated tickets listed (api/indicators/weekly.py). A unit's liaison reads its own."""
    settings, now = request.app.state.settings, utcnow()
    return weekly.dispatch_sheet(session, settings, week=weekly.week_of(query.week, settings, now),
                                 bureau=_own_unit(user), now=now)
