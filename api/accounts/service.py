import hashlib
import ipaddress
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select, update

from api.accounts.models import (
    ROLE_NAMES_ZH,
    AuthToken,
    BureauRef,
    Caller,
    CellRef,
    LoginFailure,
    Role,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from api.accounts.security import (
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from api.bureaus.models import Bureau
from api.config import Settings
from api.database import read_session, transaction, utcnow
from api.errors import ApiError
from api.grid import service as grid_service
from api.plainsql import PlainSQL, utc_of


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
    row = AuthToken(user_id=user.id, digest=token_digest(token, settings.signing_key),
                    kind="device" if device else "session", device_name=device_name,
                    created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    return token, row


def token_user(session: Session, settings: Settings, token: str) -> tuple[User, AuthToken] | None:
    """The token's user, or None when the token is unknown, revoked, expired, or its user inactive."""
    found = session.exec(_TOKEN_USER, params={"digest": token_digest(token, settings.signing_key)}).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= utcnow() or not user.is_active:
        return None
    return user, row


# Built once: this runs on every request, and building the statement cost more than running it.
_TOKEN_USER = select(AuthToken, User).join(User, col(User.id) == AuthToken.user_id).where(
    AuthToken.digest == bindparam("digest"))


_CALLER = PlainSQL(
    "SELECT u.id, u.username, u.display_name, u.role, u.bureau_code, t.id, t.last_used_at FROM auth_tokens t"
    " JOIN users u ON u.id = t.user_id WHERE t.digest = :digest AND t.revoked_at IS NULL AND t.expires_at > :now"
    " AND u.is_active")


def token_caller(session: Session, settings: Settings, token: str) -> Caller | None:
    """token_user for the capture path, in plain SQL (api/plainsql.py): the caller, or None when the token
    is unknown, revoked, expired, or its user inactive."""
    row = _CALLER.run(session, {"digest": token_digest(token, settings.signing_key), "now": utcnow()}).fetchone()
    if row is None:
        return None
    *user, token_id, last_used_at = row
    return Caller(*user, token_id=token_id, token_last_used_at=utc_of(last_used_at))


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
        raise ApiError(422, "bureau_required", "责任单位联络员必须指定单位", "a bureau liaison needs a bureau")
    if bureau_code and session.get(Bureau, bureau_code) is None:
        raise ApiError(422, "unknown_bureau", f"单位 {bureau_code} 不存在", f"unknown bureau {bureau_code}")


def create_user(session: Session, data: UserCreate) -> User:
    if session.exec(select(User.id).where(User.username == data.username)).first() is not None:
        raise ApiError(409, "username_taken", f"用户名 {data.username} 已存在",
                       f"username {data.username} is taken")
    _check_bureau(session, data.role, data.bureau_code)
    if data.cell_codes and data.role != Role.inspector:
        raise ApiError(422, "cells_for_inspectors", "只有网格员可分配网格", "only inspectors are assigned cells")
    user = User(username=data.username, display_name=data.display_name or data.username, role=data.role,
                bureau_code=data.bureau_code if data.role == Role.bureau else None, phone=data.phone,
                password_hash=hash_password(data.password))
    session.add(user)
    session.flush()
    if data.cell_codes:
        grid_service.set_user_cells(session, user.id, data.cell_codes)
    return user


def update_user(session: Session, user: User, data: UserUpdate) -> User:
    role = data.role or Role(user.role)
    bureau_code = data.bureau_code if "bureau_code" in data.model_fields_set else user.bureau_code
    _check_bureau(session, role, bureau_code if role == Role.bureau else None)
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.phone is not None:
        user.phone = data.phone
    user.role = role
    user.bureau_code = bureau_code if role == Role.bureau else None
    if data.password is not None:
        user.password_hash = hash_password(data.password)
        revoke_all_tokens(session, user.id)
    if data.is_active is not None:
        user.is_active = data.is_active
        if not data.is_active:
            revoke_all_tokens(session, user.id)
    session.add(user)
    session.flush()
    if data.cell_codes is not None:
        if data.cell_codes and role != Role.inspector:
            raise ApiError(422, "cells_for_inspectors", "只有网格员可分配网格", "only inspectors are assigned cells")
        grid_service.set_user_cells(session, user.id, data.cell_codes)
    elif role != Role.inspector:
        grid_service.set_user_cells(session, user.id, [])
    return user


def user_public(session: Session, user: User) -> UserPublic:
    bureau = session.get(Bureau, user.bureau_code) if user.bureau_code else None
    if user.role == Role.inspector:
        cells = grid_service.cells_of_inspector(session, user.id)
    elif user.role == Role.bureau and user.bureau_code:
        cells = grid_service.cells_of_unit(session, user.bureau_code)
    else:
        cells = []
    return UserPublic(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                      role_name=ROLE_NAMES_ZH[Role(user.role)],
                      bureau=BureauRef(code=bureau.code, name=bureau.name) if bureau else None,
                      phone=user.phone, is_active=user.is_active,
                      cells=[CellRef(code=c.code, name=c.name) for c in cells])
