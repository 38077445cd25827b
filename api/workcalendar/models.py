from datetime import date

from pydantic import ConfigDict
from sqlmodel import Field, SQLModel


class CalendarOverrideBase(SQLModel):
    is_workday: bool
    note: str = Field(default="", max_length=128)


class CalendarOverride(CalendarOverrideBase, table=True):
    """A county's correction to the national calendar: a holiday or a make-up working day (调休).
    Also where an admin enters next year's schedule before chinese-calendar knows it."""

    __tablename__ = "calendar_overrides"

    day: date = Field(primary_key=True)


class CalendarOverrideWrite(CalendarOverrideBase):
    model_config = ConfigDict(extra="forbid")
    day: date
