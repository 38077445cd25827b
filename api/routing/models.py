import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints, field_validator, model_validator
from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import FORBID_EXTRA, LocalTime, Moment
from api.routing import engine


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

    def as_engine_rule(self, rule_id: int) -> engine.Rule:
        return engine.Rule(id=rule_id, name=self.name, category_codes=tuple(self.category_codes),
                           point_type_codes=tuple(self.point_type_codes), cell_prefixes=tuple(self.cell_prefixes),
                           time_from=self.time_from, time_to=self.time_to, weekdays=self.weekdays,
                           target_kind=self.target_kind, bureau_code=self.bureau_code)


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

    model_config = FORBID_EXTRA
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


class ProposedRule(RoutingRuleWrite):
    """A rule of a proposed list: `id` names the saved rule it stands for (none: a rule not saved yet). Its place
    is its place in the list."""

    id: int | None = None

    @model_validator(mode="after")
    def _placed_by_the_list(self) -> "ProposedRule":
        if self.position is not None:
            raise ValueError("a proposed rule takes its place in the list, not a position")
        return self


class RulesPreviewRequest(SQLModel):
    """The whole ordered list as it would be after the edit (a rule created, changed, deleted or moved)."""

    model_config = FORBID_EXTRA
    rules: list[ProposedRule] = Field(max_length=500)


class PreviewDecision(SQLModel):
    bureau_code: str | None  # None: the dispatcher's queue
    bureau_name: str | None
    source: engine.Source
    rule_id: int | None  # the saved rule that fired; None for a fallback or a rule not saved yet
    rule_position: int | None  # its place in its list, 1 = first
    rule_name: str | None


class Rerouted(SQLModel):
    """A ticket the proposed rules would send elsewhere than the saved ones do."""

    ticket_id: uuid.UUID
    number: str  # the ticket's short number, as the ledgers print it
    captured_at: datetime
    category_code: str
    category_name: str
    category_name_en: str
    cell_code: str | None
    cell_name: str | None
    current: PreviewDecision
    proposed: PreviewDecision


class RulesPreview(SQLModel):
    checked: int  # how many of the latest routed tickets were routed again (at most 200)
    changed: list[Rerouted]


class RuleOrder(SQLModel):
    """Every saved rule's id, in the new order."""

    model_config = FORBID_EXTRA
    rule_ids: list[int] = Field(max_length=1000)

    @field_validator("rule_ids")
    @classmethod
    def _each_once(cls, values: list[int]) -> list[int]:
        if len(set(values)) != len(values):
            raise ValueError("each rule once")
        return values


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
    source: engine.Source
    rule_id: int | None
    reason: str
    reason_en: str
    trace: list[DryRunStep]
    at: datetime  # in the county's zone
    # The deadline a ticket dispatched at `at` would get on the county's working calendar; None when it would
    # wait for the dispatcher.
    deadline_at: datetime | None


class DryRunRequest(SQLModel):
    model_config = FORBID_EXTRA
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
