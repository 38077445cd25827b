from datetime import date

from sqlmodel import Field, SQLModel

from api.inputs import FORBID_EXTRA


class CalendarOverrideBase(SQLModel):
    is_workday: bool
    note: str = Field(default="", max_length=128)


class CalendarOverride(CalendarOverrideBase, table=True):
    """A county's correction to the national calendar: a holiday or a make-up working day (调休).
    Also where an admin enters next year's schedule before chinese-calendar knows it."""

    __tablename__ = "calendar_overrides"

    day: date = Field(primary_key=True)


class CalendarOverrideWrite(CalendarOverrideBase):
    model_config = FORBID_EXTRA
    day: date
