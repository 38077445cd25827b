from typing import Annotated, Literal

from pydantic import StringConstraints, field_validator
from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from api.inputs import FORBID_EXTRA

BureauKind = Literal["department", "street", "enterprise", "office"]


class BureauBase(SQLModel):
    name: str = Field(max_length=64)
    name_en: str | None = Field(default=None, max_length=128)
    # department 县直部门, street 街道/乡镇, enterprise 国企 (e.g. 国投集团), office 办公室 (e.g. 文明办)
    kind: str = Field(default="department", max_length=16)
    webhook_url: str | None = Field(default=None, max_length=512)
    contact_phone: str | None = Field(default=None, max_length=32)
    is_active: bool = True


class Bureau(BureauBase, table=True):
    __tablename__ = "bureaus"
    __table_args__ = (CheckConstraint(
        "kind IN ('department', 'street', 'enterprise', 'office')", name="kind_known"),)

    code: str = Field(primary_key=True, max_length=32)


class BureauCreate(BureauBase):
    model_config = FORBID_EXTRA
    code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$")] = Field(min_length=2, max_length=32)
    kind: BureauKind = "department"
    webhook_url: Annotated[str, StringConstraints(pattern=r"^https?://")] | None = Field(default=None, max_length=512)


class BureauUpdate(SQLModel):
    model_config = FORBID_EXTRA
    name: str | None = Field(default=None, max_length=64)
    name_en: str | None = Field(default=None, max_length=128)
    kind: BureauKind | None = None
    webhook_url: Annotated[str, StringConstraints(pattern=r"^https?://")] | None = Field(default=None, max_length=512)
    contact_phone: str | None = Field(default=None, max_length=32)
    is_active: bool | None = None

    @field_validator("name", "kind", "is_active")
    @classmethod
    def _left_out_not_null(cls, value):
        """These columns always hold a value: a field to keep is left out, not sent as null."""
        if value is None:
            raise ValueError("may be left out, not null")
        return value


class Liaison(SQLModel):
    username: str
    display_name: str
    phone: str | None


class BureauPublic(BureauBase):
    code: str
    liaisons: list[Liaison] = []


class BureauSummary(SQLModel):
    """What everyone may see; webhook URLs carry robot keys and stay with staff and the bureau."""

    code: str
    name: str
    name_en: str | None
    kind: str
    is_active: bool


class WebhookTest(SQLModel):
    """What a bureau's robot answered a test message."""

    ok: bool
    error: str | None  # as the delivery worker would record it; None when the robot took the message
    status_code: int | None  # None: no answer (the address could not be reached)
    answer: str | None  # the robot's reply as it sent it (WeCom and DingTalk: JSON with errcode and errmsg)
