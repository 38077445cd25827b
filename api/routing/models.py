from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, StringConstraints, field_validator, model_validator
from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import LocalTime, Moment


class RoutingRuleBase(SQLModel):
    name: str = Field(max_length=64)
    # Empty lists match anything. Cell prefixes are area codes (6/9/12 digits) or whole cell codes.
    category_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    point_type_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cell_prefixes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Local time-of-day window; from > to wraps midnight (夜市 18:00–02:00). ISO weekdays "12345".
    time_from: LocalTime | None = None
    time_to: LocalTime | None = None
    weekdays: str | None = Field(default=None, max_length=7)
    # "bureau" sends to bureau_code; "cell_unit" sends to the cell's responsibility unit (网格责任单位).
    target_kind: str = Field(default="bureau", max_length=16)
    bureau_code: str | None = Field(default=None, max_length=32, foreign_key="bureaus.code")
    is_enabled: bool = True
    note: str = Field(default="", max_length=256)


class RoutingRule(RoutingRuleBase, table=True):
    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint("target_kind IN ('bureau', 'cell_unit')", name="target_kind_known"),
        CheckConstraint("target_kind <> 'bureau' OR bureau_code IS NOT NULL", name="bureau_target_has_bureau"),
        CheckConstraint("(time_from IS NULL) = (time_to IS NULL)", name="time_window_complete"),
    )

    id: int | None = Field(default=None, primary_key=True)
    position: int = Field(unique=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str | None = Field(default=None, max_length=64)


class RoutingRuleWrite(RoutingRuleBase):
    """Body of create/replace. position: where to put it (1 = first); omitted on create = last."""

    model_config = ConfigDict(extra="forbid")
    position: int | None = Field(default=None, ge=1)
    target_kind: Literal["bureau", "cell_unit"] = "bureau"
    weekdays: Annotated[str, StringConstraints(pattern=r"^[1-7]{1,7}$")] | None = Field(default=None)

    @field_validator("category_codes", "point_type_codes", "cell_prefixes")
    @classmethod
    def _no_duplicates(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in values if v.strip()))

    @model_validator(mode="after")
    def _consistent(self) -> "RoutingRuleWrite":
        if (self.time_from is None) != (self.time_to is None):
            raise ValueError("time_from and time_to go together")
        if self.time_from is not None and self.time_from == self.time_to:
            raise ValueError("time_from equals time_to: an empty window")
        if self.target_kind == "bureau" and not self.bureau_code:
            raise ValueError("target_kind 'bureau' needs bureau_code")
        if self.target_kind == "cell_unit" and self.bureau_code:
            raise ValueError("target_kind 'cell_unit' takes no bureau_code")
        return self


class RoutingRulePublic(RoutingRuleBase):
    id: int
    position: int
    updated_at: datetime
    updated_by: str | None


class DryRunStep(SQLModel):
    rule_id: int
    matched: bool
    why: str
    why_en: str


class DryRunResult(SQLModel):
    """Where the ticket would go (`bureau_code` None: the dispatcher's queue), by which `source` (rule,
    category_default, cell_unit, dispatcher), and why each earlier rule did not match (`trace`)."""
    cell_code: str | None
    cell_name: str | None
    bureau_code: str | None
    bureau_name: str | None
    source: Literal["rule", "category_default", "cell_unit", "dispatcher"]
    rule_id: int | None
    reason: str
    reason_en: str
    trace: list[DryRunStep]
    at: datetime  # in the county's zone


class DryRunRequest(SQLModel):
    model_config = ConfigDict(extra="forbid")
    category: str
    point_type: str | None = None
    cell_code: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    at: Moment | None = None

    @model_validator(mode="after")
    def _located(self) -> "DryRunRequest":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        return self
