"""Types for what requests bring in, shared by the domains' parameters and bodies: a value neither engine
can store, or that a later read cannot take back, is refused at the door with a 422."""

from datetime import UTC, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlmodel.main import SQLModelConfig  # the type of SQLModel's model_config (pydantic's ConfigDict plus `table`)

from api.database import utcnow

# The model_config of a body that refuses fields it does not know (422), for SQLModel classes: pydantic's
# ConfigDict(extra="forbid") is the same at run time, but not of the type SQLModel gives model_config.
FORBID_EXTRA = SQLModelConfig(extra="forbid")

# Ids are PostgreSQL integers: a larger number names no row, and the drivers refuse it.
ID_MAX = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=ID_MAX)]

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# A phone's clock may run a little ahead; one whose clock was reset (to 1970, say, or years ahead) must be
# told so, or what it records (and how long a bureau took) is wrong for good.
DEVICE_CLOCK_AHEAD = timedelta(days=1)


def _recorded_by_a_working_clock(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= utcnow() + DEVICE_CLOCK_AHEAD:
        raise PydanticCustomError("implausible_time", "before 2000 or more than a day ahead of the server's clock")
    return moment


def _in_range(moment: datetime) -> datetime:
    if not EARLIEST <= (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) < LATEST:
        raise PydanticCustomError("time_out_of_range", "not between the years 2000 and 2099")
    return moment


# A moment a device's clock recorded (captured, located): the error's code, `implausible_time`, lets the
# phone say that its clock is wrong. The value is kept as sent (its offset too): captures are hashed.
DeviceTime = Annotated[AwareDatetime, AfterValidator(_recorded_by_a_working_clock)]
# Any other moment a request names (a period's bounds, a what-if time), with or without its offset.
Moment = Annotated[datetime, AfterValidator(_in_range)]
AwareMoment = Annotated[AwareDatetime, AfterValidator(_in_range)]
# A time of day on the county's clock. Documented as what it is: JSON Schema's `time` format requires an offset.
LocalTime = Annotated[time, WithJsonSchema({
    "type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
    "description": "local time of day, no offset (HH:MM or HH:MM:SS)"})]
