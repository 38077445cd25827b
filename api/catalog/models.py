from typing import Annotated, Literal

from pydantic import StringConstraints, field_validator
from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from api.inputs import FORBID_EXTRA


class PointTypeBase(SQLModel):
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)


class PointType(PointTypeBase, table=True):
    """Kinds of place the evaluation visits (点位类型): 主次干道, 背街小巷, 农贸市场…"""

    __tablename__ = "point_types"

    code: str = Field(primary_key=True, max_length=32)


class PointTypeWrite(PointTypeBase):
    model_config = FORBID_EXTRA
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")] = Field(min_length=2, max_length=32)


class CategoryBase(SQLModel):
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)
    family: str = Field(max_length=16)
    pinyin: str = Field(default="", max_length=32, description="拼音首字母, for search on the phone")
    # None means "the cell's responsibility unit" (网格责任单位).
    default_bureau_code: str | None = Field(default=None, max_length=32, foreign_key="bureaus.code")
    deadline_value: int = Field(gt=0)
    deadline_unit: str = Field(max_length=2, description="wh = working hours, wd = working days")
    is_active: bool = True


class Category(CategoryBase, table=True):
    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint("deadline_unit IN ('wh', 'wd')", name="deadline_unit_known"),
        CheckConstraint("deadline_value > 0", name="deadline_positive"),
    )

    code: str = Field(primary_key=True, max_length=8)
    # Where the inspector's capture list shows it (1 = first), as the admin orders them; ties by code.
    position: int = 0


class CategoryWrite(CategoryBase):
    model_config = FORBID_EXTRA
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
    deadline_unit: Literal["wh", "wd"]
    position: int | None = Field(default=None, ge=1, description="omitted: keeps its place (a new one goes last)")


class CategoryOrder(SQLModel):
    """Every category's code (active or not), in the new order."""

    model_config = FORBID_EXTRA
    codes: list[str] = Field(max_length=1000)

    @field_validator("codes")
    @classmethod
    def _each_once(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("each category once")
        return values
