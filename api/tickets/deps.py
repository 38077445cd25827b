"""Dependencies of the ticket routers (tickets, queues, maps): the county's working calendar."""

from typing import Annotated

from fastapi import Depends, Request

from api.database import SessionDep
from api.reference_data import reference
from api.workcalendar.service import WorkCalendar


def _calendar(request: Request, session: SessionDep) -> WorkCalendar:
    settings = request.app.state.settings
    return reference(session).calendar(settings.tz, settings.working_hours)


CalendarDep = Annotated[WorkCalendar, Depends(_calendar)]
