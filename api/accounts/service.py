import csv
import hashlib
import io
import ipaddress
import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select, update

from api import tabular
from api.accounts.models import (
    ROLE_NAMES_ZH,
    AuthToken,
    BureauRef,
    CellRef,
    ImportedAccount,
    LoginFailure,
    PasswordReset,
    Role,
    User,
    UserCreate,
    UserImport,
    UserPublic,
    UserUpdate,
)
from api.accounts.security import (
    hash_password,
    new_password,
    new_token,
    token_digest,
    verify_password,
)
from api.audit import service as audit
from api.bureaus.models import Bureau
from api.config import Settings
from api.database import read_session, stored_id, table_of, transaction, utcnow
from api.driverstatements import DriverStatement, detached
from api.errors import ApiError
from api.grid import service as grid_service


def _invalid_credentials() -> ApiError:  # a new one per raise: a raised instance keeps its traceback
    return ApiError(401, "invalid_credentials", "用户名或密码错误", "Wrong username or password")


def client_key(host: str | None) -> str:
    """The client as login throttling counts it: its address, or for IPv6 the /64 a subscriber is given
    (any address in it is theirs to use)."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return (host or "unknown")[:64]
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def _take_turn(session: Session, username: str, client: str) -> None:
    """On PostgreSQL, hold this username's and this client's locks until the transaction ends, so attempts
    on either are counted one at a time (a key's lock is taken in one order everywhere: no deadlock).
    SQLite's write transactions take turns anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(int.from_bytes(hashlib.blake2b(f"login {kind} {value}".encode(), digest_size=8).digest(),
                                 "big", signed=True) for kind, value in (("user", username), ("client", client)))
    for key in keys:
        session.exec(select(func.pg_advisory_xact_lock(key)))


def _check_throttle(session: Session, settings: Settings, username: str, client: str) -> None:
    """429 when a limit of docs/login-throttle.md is reached: this user from this client, this client, or
    this user from anywhere (the ceiling only many clients together reach)."""
    window = timedelta(minutes=settings.login_window_minutes)
    for where, limit in (((LoginFailure.username == username) & (LoginFailure.client_ip == client),
                          settings.login_max_failures_per_user_and_ip),
                         (LoginFailure.client_ip == client, settings.login_max_failures_per_ip),
                         (LoginFailure.username == username, settings.login_max_failures_per_user)):
        count, oldest = session.exec(select(func.count(), func.min(LoginFailure.at))
                                     .where(where, LoginFailure.at >= utcnow() - window)).one()
        if count >= limit:
            retry = max(1, int((oldest + window - utcnow()).total_seconds()))
            raise ApiError(429, "login_throttled", f"登录失败次数过多，请 {retry // 60 + 1} 分钟后再试",
                           f"Too many failed logins; try again in {retry} s", {"retry_after": retry},
                           headers={"Retry-After": str(retry)})


def authenticate(engine: Engine, settings: Settings, *, username: str, password: str, client: str) -> User:
    """Each attempt is counted as a failure before its password is checked, in the transaction that reads
    the throttle's counts: concurrent guesses take turns there, so no more of them reach the check than
    the limits allow. The password is checked outside any transaction (argon2 takes a while); a success
    takes its attempt back."""
    with transaction(engine) as session:
        _take_turn(session, username, client)
        _check_throttle(session, settings, username, client)
        session.add(LoginFailure(username=username, client_ip=client))
        user = session.exec(select(User).where(User.username == username)).first()
    if not verify_password(password, user.password_hash if user else None) or user is None or not user.is_active:
        raise _invalid_credentials()
    with transaction(engine) as session:
        # A success forgives this client's typos for this user; other clients' guesses still count.
        session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username,
                                                col(LoginFailure.client_ip) == client))
    return user


def issue_token(session: Session, settings: Settings, user: User, *, device: bool,
                device_name: str | None = None) -> tuple[str, AuthToken]:
    lifetime = timedelta(days=settings.device_token_days) if device else timedelta(
        hours=settings.session_token_hours)
    token, now = new_token(), utcnow()
    row = AuthToken(user_id=stored_id(user.id), digest=token_digest(token, settings.signing_key),
                    kind="device" if device else "session", device_name=device_name,
                    created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    return token, row


def token_user(session: Session, settings: Settings, token: str) -> tuple[User, AuthToken] | None:
    """The token's user and the token (detached), or None when the token is unknown, revoked, expired,
    or its user inactive."""
    found = _TOKEN_USER.first(session, {"digest": token_digest(token, settings.signing_key), "now": utcnow()})
    if found is None:
        return None
    user = detached(User, dict(zip(_USER_COLUMNS, found[:len(_USER_COLUMNS)], strict=True)))
    return user, detached(AuthToken, dict(zip(_TOKEN_COLUMNS, found[len(_USER_COLUMNS):], strict=True)))


# Every request runs it, the capture path inside its own transaction: a statement on the driver
# connection (api/driverstatements.py). Every column, so the user and the token are whole rows.
_USERS, _TOKENS = table_of(User), table_of(AuthToken)
_USER_COLUMNS = tuple(_USERS.c.keys())
_TOKEN_COLUMNS = tuple(_TOKENS.c.keys())
_TOKEN_USER = DriverStatement(
    select(*_USERS.c, *_TOKENS.c)
    .join_from(_TOKENS, _USERS, _USERS.c.id == _TOKENS.c.user_id)
    .where(_TOKENS.c.digest == bindparam("digest"), _TOKENS.c.revoked_at.is_(None),
           _TOKENS.c.expires_at > bindparam("now"), _USERS.c.is_active))


def resolve_token(engine: Engine, settings: Settings, token: str) -> tuple[User, AuthToken] | None:
    """token_user in a short session of its own, so that no request holds a connection or a snapshot
    just for authentication (uploads stream for a while)."""
    with read_session(engine) as session:
        return token_user(session, settings, token)


def due_for_last_used(last_used_at: datetime | None) -> bool:
    """When a device was last seen is noted coarsely: at most every 10 minutes."""
    return last_used_at is None or utcnow() - last_used_at >= timedelta(minutes=10)


def token_used(engine: Engine, token_id: int) -> None:
    """Note when a device was last seen; run after the response."""
    with transaction(engine) as session:
        session.exec(update(AuthToken).where(col(AuthToken.id) == token_id).values(last_used_at=utcnow()))


def revoke_token(session: Session, token: AuthToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()


def revoke_all_tokens(session: Session, user_id: int) -> int:
    result = session.exec(update(AuthToken).where(col(AuthToken.user_id) == user_id,
                                                  col(AuthToken.revoked_at).is_(None))
                          .values(revoked_at=utcnow()))
    return result.rowcount


def list_tokens(session: Session, user_id: int) -> list[AuthToken]:
    return list(session.exec(select(AuthToken).where(AuthToken.user_id == user_id)
                             .order_by(col(AuthToken.id).desc())))


def _check_bureau(session: Session, role: Role, bureau_code: str | None) -> None:
    if role == Role.bureau and not bureau_code:
        raise ApiError(422, "bureau_required", "责任单位联络员必须指定单位", "a bureau liaison needs a bureau",
                       {"field": "bureau_code"})
    if bureau_code and session.get(Bureau, bureau_code) is None:
        raise ApiError(422, "unknown_bureau", f"单位 {bureau_code} 不存在", f"unknown bureau {bureau_code}",
                       {"field": "bureau_code"})


def _cells_for_inspectors() -> ApiError:
    return ApiError(422, "cells_for_inspectors", "只有网格员可分配网格", "only inspectors are assigned cells",
                    {"field": "cell_codes"})


def _audited(session: Session, user: User) -> dict[str, Any]:
    """What the audit trail compares of an account (never its password hash)."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "bureau_code": user.bureau_code, "phone": user.phone, "is_active": user.is_active,
            "cell_codes": [c.code for c in grid_service.cells_of_inspector(session, stored_id(user.id))]}


def _create(session: Session, data: UserCreate, *, password_hash: str) -> User:
    if session.exec(select(User.id).where(User.username == data.username)).first() is not None:
        raise ApiError(409, "username_taken", f"用户名 {data.username} 已存在",
                       f"username {data.username} is taken", {"field": "username"})
    _check_bureau(session, data.role, data.bureau_code)
    if data.cell_codes and data.role != Role.inspector:
        raise _cells_for_inspectors()
    user = User(username=data.username, display_name=data.display_name or data.username, role=data.role,
                bureau_code=data.bureau_code if data.role == Role.bureau else None, phone=data.phone,
                password_hash=password_hash)
    session.add(user)
    session.flush()
    if data.cell_codes:
        grid_service.set_user_cells(session, stored_id(user.id), data.cell_codes)
    return user


def create_user(session: Session, data: UserCreate, *, by: str) -> User:
    user = _create(session, data, password_hash=hash_password(data.password))
    audit.record(session, actor=by, entity="user", key=user.username, action="create",
                 after=_audited(session, user))
    return user


def update_user(session: Session, user: User, data: UserUpdate, *, by: str) -> User:
    before = _audited(session, user)
    role = data.role or Role(user.role)
    if user.username == by and user.role == Role.admin and (data.is_active is False or role != Role.admin):
        # The county would be left without anyone to undo it.
        raise ApiError(422, "own_admin_account", "不能停用自己的账号或取消自己的管理员角色",
                       "you cannot deactivate your own account or drop its admin role",
                       {"field": "is_active" if data.is_active is False else "role"})
    bureau_code = data.bureau_code if "bureau_code" in data.model_fields_set else user.bureau_code
    _check_bureau(session, role, bureau_code if role == Role.bureau else None)
    if data.cell_codes and role != Role.inspector:
        raise _cells_for_inspectors()
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.phone is not None:
        user.phone = data.phone
    user.role = role
    user.bureau_code = bureau_code if role == Role.bureau else None
    if data.password is not None:
        user.password_hash = hash_password(data.password)
        revoke_all_tokens(session, stored_id(user.id))
    if data.is_active is not None:
        user.is_active = data.is_active
        if not data.is_active:
            revoke_all_tokens(session, stored_id(user.id))
    session.add(user)
    session.flush()
    if data.cell_codes is not None:
        grid_service.set_user_cells(session, stored_id(user.id), data.cell_codes)
    elif role != Role.inspector:
        grid_service.set_user_cells(session, stored_id(user.id), [])
    audit.record(session, actor=by, entity="user", key=user.username, action="update",
                 before=before, after=_audited(session, user))
    if data.password is not None:
        audit.record(session, actor=by, entity="user", key=user.username, action="set_password")
    return user


def reset_password(session: Session, user: User, *, by: str) -> PasswordReset:
    """A generated password, returned this once; the user's phones are signed out."""
    password = new_password()
    user.password_hash = hash_password(password)
    session.add(user)
    revoked = revoke_all_tokens(session, stored_id(user.id))
    audit.record(session, actor=by, entity="user", key=user.username, action="reset_password",
                 after={"tokens_revoked": revoked})
    return PasswordReset(username=user.username, password=password)


def revoke_user_tokens(session: Session, user: User, *, by: str) -> int:
    revoked = revoke_all_tokens(session, stored_id(user.id))
    audit.record(session, actor=by, entity="user", key=user.username, action="revoke_tokens",
                 after={"tokens_revoked": revoked})
    return revoked


# --- bulk import ---

IMPORT_COLUMNS = ("username", "name", "role", "bureau", "cells", "phone")
IMPORT_FORMATS = ("csv", "xlsx")
# Column headers counties write in Chinese, mapped to ours (the template's second row explains each).
_IMPORT_HEADERS = {"用户名": "username", "账号": "username", "姓名": "name", "角色": "role", "单位": "bureau",
                   "责任单位": "bureau", "网格": "cells", "网格编码": "cells", "电话": "phone", "手机": "phone"}
_TEMPLATE_HINTS = ("登录名：字母、数字、_ . -", "姓名",
                   "网格员 / 责任单位联络员 / 创建办 / 督察组 / 台账组 / 领导小组 / 系统管理员",
                   "责任单位联络员必填：单位编码或名称", "网格员的网格编码，多个用逗号分隔", "手机号")
_CELL_SEPARATORS = re.compile(r"[,，;；、\s]+")
_FIELD_OF = {"display_name": "name", "bureau_code": "bureau", "cell_codes": "cells"}
_FIELD_ZH = {"username": "用户名", "name": "姓名", "role": "角色", "bureau": "单位", "cells": "网格", "phone": "电话"}


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or a cell code typed into a number cell
    return "" if value is None else str(value).strip()


def import_template(fmt: str) -> bytes:
    """The file to fill in: our column names, then a row that says what goes in each (ignored on import,
    since its username is not a valid one)."""
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerow(IMPORT_COLUMNS)
        return ("\ufeff" + text.getvalue()).encode()  # the BOM makes Excel read UTF-8
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "accounts"
    sheet.append(IMPORT_COLUMNS)
    sheet.append(_TEMPLATE_HINTS)
    for column in "ABCDEF":
        sheet.column_dimensions[column].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _invalid_field(error: ErrorDetails) -> dict[str, str]:
    field = _FIELD_OF.get(str(error["loc"][0]), str(error["loc"][0])) if error["loc"] else ""
    return {"field": field, "message": f"{_FIELD_ZH.get(field, field)}缺失或格式不正确",
            "message_en": f"{field}: {error['msg']}"}


def _import_error(row: int, username: str, errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"row": row, "username": username, "errors": errors}


# Rows are created with no usable password while the file is checked; the slow hashes are made once it passed.
_NO_PASSWORD = "!"


def import_users(session: Session, content: bytes, *, fmt: str, by: str) -> UserImport:
    """Create an account for each row, all or nothing: each row goes through the same checks as a single
    creation, in a savepoint of its own, so every bad row is reported (422 `users_invalid`, rows numbered
    as in the file) and then nothing is kept. The template's hint row is skipped."""
    if fmt not in IMPORT_FORMATS:
        raise ApiError(422, "bad_format", "格式须为 csv 或 xlsx", "format must be csv or xlsx")
    records = [(n, r) for n, r in tabular.read_rows(content, fmt, _IMPORT_HEADERS)
               if _text(r.get("username")) != _TEMPLATE_HINTS[0]]
    if not records:
        raise ApiError(422, "file_empty", "文件中没有账号", "the file holds no accounts")
    bureaus = {key: code for code, name in session.exec(select(Bureau.code, Bureau.name)) for key in (code, name)}
    roles = {r.value: r.value for r in Role} | {zh: r.value for r, zh in ROLE_NAMES_ZH.items()}
    errors, created = [], []
    for row, raw in records:
        username = _text(raw.get("username"))
        # Files bypass the request-wide NUL check (api/errors.py RefuseNul): PostgreSQL's text cannot hold it.
        if any("\x00" in _text(v) for v in raw.values()):
            errors.append(_import_error(row, username, [{"field": "", "message": "含空字符（U+0000）",
                                                         "message_en": "holds NUL (U+0000)"}]))
            continue
        role, bureau = _text(raw.get("role")), _text(raw.get("bureau"))
        password = new_password()
        try:
            data = UserCreate.model_validate({
                "username": username, "display_name": _text(raw.get("name")) or None,
                "role": roles.get(role, role), "password": password,
                "bureau_code": bureaus.get(bureau, bureau) or None, "phone": _text(raw.get("phone")) or None,
                "cell_codes": [c for c in _CELL_SEPARATORS.split(_text(raw.get("cells"))) if c]})
        except ValidationError as exc:
            errors.append(_import_error(row, username, [_invalid_field(e) for e in exc.errors()]))
            continue
        try:
            with session.begin_nested():
                user = _create(session, data, password_hash=_NO_PASSWORD)
        except ApiError as exc:
            field = "cell_codes" if exc.code == "unknown_cell" else (exc.details or {}).get("field", "")
            errors.append(_import_error(row, username, [{"field": _FIELD_OF.get(field, field or ""),
                                                         "message": exc.message, "message_en": exc.message_en}]))
            continue
        created.append((user, ImportedAccount(row=row, username=user.username, display_name=user.display_name,
                                              role=Role(user.role), password=password)))
    if errors:
        raise ApiError(422, "users_invalid", f"有 {len(errors)} 行有误，未导入任何账号",
                       f"{len(errors)} rows are invalid; nothing was imported", errors)
    for user, account in created:
        user.password_hash = hash_password(account.password)
        session.add(user)
    session.flush()
    accounts = [account for _, account in created]
    audit.record(session, actor=by, entity="user", key=f"{accounts[0].username}…{accounts[-1].username}",
                 action="import", after={"usernames": [a.username for a in accounts]})
    return UserImport(created=len(accounts), accounts=accounts)


def user_public(session: Session, user: User) -> UserPublic:
    bureau = session.get(Bureau, user.bureau_code) if user.bureau_code else None
    if user.role == Role.inspector:
        cells = grid_service.cells_of_inspector(session, stored_id(user.id))
    elif user.role == Role.bureau and user.bureau_code:
        cells = grid_service.cells_of_unit(session, user.bureau_code)
    else:
        cells = []
    role = Role(user.role)
    return UserPublic(id=stored_id(user.id), username=user.username, display_name=user.display_name, role=role,
                      role_name=ROLE_NAMES_ZH[role],
                      bureau=BureauRef(code=bureau.code, name=bureau.name) if bureau else None,
                      phone=user.phone, is_active=user.is_active,
                      cells=[CellRef(code=c.code, name=c.name) for c in cells])
