from datetime import MAXYEAR, MINYEAR, date
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import col, select

from api.accounts.deps import ConfigurerUser, CurrentUser
from api.audit import service as audit
from api.database import SessionDep
from api.errors import ApiError, not_found
from api.workcalendar.models import CalendarOverride, CalendarOverrideWrite

router = APIRouter(prefix="/api/v1/calendar/overrides", tags=["calendar"])


@router.get("", response_model=list[CalendarOverride])
def list_overrides(session: SessionDep, _user: CurrentUser,
                   year: Annotated[int | None, Query(ge=MINYEAR, le=MAXYEAR)] = None):
    query = select(CalendarOverride).order_by(col(CalendarOverride.day))
    if year:
        query = query.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
    return session.exec(query).all()


@router.put("/{day}", response_model=CalendarOverride)
def put_override(day: date, data: CalendarOverrideWrite, session: SessionDep, user: ConfigurerUser):
    if day != data.day:
        raise ApiError(422, "day_mismatch", "路径与内容中的日期不一致", "day in path and body differ")
    row = session.get(CalendarOverride, day)
    before = row.model_dump(exclude={"day"}) if row else None
    row = row or CalendarOverride(day=day, is_workday=data.is_workday)
    row.is_workday, row.note = data.is_workday, data.note
    session.add(row)
    session.flush()
    audit.record(session, actor=user.username, entity="calendar", key=day.isoformat(),
                 action="update" if before else "create", before=before, after=row.model_dump(exclude={"day"}))
    return row


@router.delete("/{day}", status_code=status.HTTP_204_NO_CONTENT)
def delete_override(day: date, session: SessionDep, user: ConfigurerUser):
    row = session.get(CalendarOverride, day)
    if row is None:
        raise not_found("日历调整", "Calendar override", day.isoformat())
    session.delete(row)
    audit.record(session, actor=user.username, entity="calendar", key=day.isoformat(), action="delete",
                 before=row.model_dump(exclude={"day"}))
    session.flush()
