from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, StringConstraints
from sqlalchemy import CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow


class Role(StrEnum):
    inspector = "inspector"     # 网格员
    bureau = "bureau"           # 责任单位联络员
    dispatcher = "dispatcher"   # 创建办
    supervisor = "supervisor"   # 督察组
    ledger = "ledger"           # 台账组
    leader = "leader"           # 领导小组
    admin = "admin"             # 系统管理员


ROLE_NAMES_ZH = {
    Role.inspector: "网格员", Role.bureau: "责任单位联络员", Role.dispatcher: "创建办",
    Role.supervisor: "督察组", Role.ledger: "台账组", Role.leader: "领导小组", Role.admin: "系统管理员",
}

_ROLE_LIST = ", ".join(f"'{r.value}'" for r in Role)


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_LIST})", name="role_known"),
        CheckConstraint("role <> 'bureau' OR bureau_code IS NOT NULL", name="bureau_role_has_bureau"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    role: str = Field(max_length=16)
    bureau_code: str | None = Field(default=None, max_length=32, foreign_key="bureaus.code", index=True)
    phone: str | None = Field(default=None, max_length=32)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class AuthToken(SQLModel, table=True):
    """A bearer token, stored only as an HMAC digest. Revoking sets revoked_at (a lost phone)."""

    __tablename__ = "auth_tokens"
    __table_args__ = (CheckConstraint("kind IN ('session', 'device')", name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    digest: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16)
    device_name: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling, as the capture path reads it (api/plainsql.py): a user's values and the token's,
    without the ORM's bookkeeping. Read-only; a user to change is read as a User."""

    id: int
    username: str
    display_name: str
    role: str
    bureau_code: str | None
    token_id: int
    token_last_used_at: datetime | None


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_client_ip_at", "client_ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    client_ip: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


# --- API schemas ---

class UserCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")] = Field(min_length=2, max_length=64)
    display_name: str | None = Field(default=None, max_length=64)
    role: Role
    password: str = Field(min_length=8, max_length=128)
    bureau_code: str | None = None
    phone: str | None = Field(default=None, max_length=32)
    cell_codes: list[str] = []


class UserUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, max_length=64)
    role: Role | None = None
    password: str | None = Field(default=None, min_length=8, max_length=128)
    bureau_code: str | None = None
    phone: str | None = Field(default=None, max_length=32)
    cell_codes: list[str] | None = None
    is_active: bool | None = None


class CellRef(SQLModel):
    code: str
    name: str


class BureauRef(SQLModel):
    code: str
    name: str


class UserPublic(SQLModel):
    id: int
    username: str
    display_name: str
    role: Role
    role_name: str
    bureau: BureauRef | None
    phone: str | None
    is_active: bool
    cells: list[CellRef]


class TokenResponse(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    token_id: int
    kind: str


class TokenPublic(SQLModel):
    id: int
    user_id: int
    kind: str
    device_name: str | None
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class RevokedTokens(SQLModel):
    revoked: int


class PasswordReset(SQLModel):
    """A new password, generated by the server and shown this once: it is stored only as a hash."""

    username: str
    password: str


class ImportedAccount(SQLModel):
    row: int
    username: str
    display_name: str
    role: Role
    password: str  # the initial password, shown this once


class UserImport(SQLModel):
    created: int
    accounts: list[ImportedAccount]
