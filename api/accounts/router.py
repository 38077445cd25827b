from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response, status
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from api.accounts import service
from api.accounts.deps import AdminUser, CurrentToken, CurrentUser
from api.accounts.models import (
    AuthToken,
    PasswordReset,
    RevokedTokens,
    Role,
    TokenPublic,
    TokenResponse,
    User,
    UserCreate,
    UserImport,
    UserPublic,
    UserUpdate,
)
from api.database import SessionDep, stored_id, transaction
from api.errors import FILE, forbidden, not_found
from api.inputs import RowId

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/token", response_model=TokenResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=128, json_schema_extra={"format": "password"})],
          scope: Annotated[str, Form(max_length=64)] = "",
          client_id: Annotated[str | None, Form(max_length=128)] = None,
          device_name: Annotated[str | None, Form(max_length=128)] = None):
    """OAuth2 password login. `scope=device` asks for a long-lived device token (a phone that syncs
    days later); otherwise a session token. Both are revocable. Failures are throttled
    (docs/login-throttle.md)."""
    settings, engine = request.app.state.settings, request.app.state.engine
    user = service.authenticate(engine, settings, username=username, password=password,
                                client=service.client_key(request.client.host if request.client else None))
    with transaction(engine) as session:
        token, row = service.issue_token(session, settings, user, device="device" in scope.split(),
                                         device_name=device_name or client_id)
    expires_in = int((row.expires_at - row.created_at).total_seconds())
    return TokenResponse(access_token=token, expires_in=expires_in, token_id=stored_id(row.id), kind=row.kind)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, token: CurrentToken):
    service.revoke_token(session, token)


@router.get("/auth/tokens", response_model=list[TokenPublic])
def list_tokens(session: SessionDep, user: CurrentUser, user_id: Annotated[RowId | None, Query()] = None):
    """Your own tokens (devices); an admin may name another user's."""
    if user_id is not None and user_id != user.id and user.role != Role.admin:
        raise forbidden()
    return service.list_tokens(session, user_id or stored_id(user.id))


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: RowId, session: SessionDep, user: CurrentUser):
    """Revoke one token: a lost phone. Owners revoke their own; admins anyone's."""
    token = session.get(AuthToken, token_id)
    if token is None or (token.user_id != user.id and user.role != Role.admin):
        raise not_found("令牌", "Token", token_id)
    service.revoke_token(session, token)


@router.get("/me", response_model=UserPublic)
def me(session: SessionDep, user: CurrentUser):
    return service.user_public(session, user)


def _user(user_id: RowId, session: SessionDep) -> User:
    """The user the path names; declared after the admin check, so others learn nothing of which ids exist."""
    user = session.get(User, user_id)
    if user is None:
        raise not_found("用户", "User", user_id)
    return user


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, _admin: AdminUser, role: Role | None = None, bureau: str | None = None):
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if bureau:
        query = query.where(User.bureau_code == bureau)
    return [service.user_public(session, u) for u in session.exec(query)]


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, admin: AdminUser):
    return service.user_public(session, service.create_user(session, data, by=admin.username))


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/users/import-template", response_class=Response,
            responses={200: {"content": {"text/csv": FILE, _XLSX: FILE}, "description": "the file to fill in"}})
def user_import_template(_admin: AdminUser, format: Literal["csv", "xlsx"] = "xlsx"):
    """The bulk import's columns: username, name, role, bureau, cells, phone."""
    return Response(service.import_template(format), media_type="text/csv" if format == "csv" else _XLSX,
                    headers={"Content-Disposition": f'attachment; filename="accounts-template.{format}"'})


@router.post("/users/import", response_model=UserImport, status_code=status.HTTP_201_CREATED,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 _XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
async def import_users(request: Request, session: SessionDep, admin: AdminUser, format: Literal["csv", "xlsx"]):
    """The file as the request body. All or nothing: 422 `users_invalid` lists every bad row (numbered as in
    the file) with its reasons. The created accounts' initial passwords are in the answer, and only there."""
    content = await request.body()
    return await run_in_threadpool(service.import_users, session, content, fmt=format, by=admin.username)


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(admin: AdminUser, user: Annotated[User, Depends(_user)], data: UserUpdate, session: SessionDep):
    return service.user_public(session, service.update_user(session, user, data, by=admin.username))


@router.post("/users/{user_id}/reset-password", response_model=PasswordReset)
def reset_password(admin: AdminUser, user: Annotated[User, Depends(_user)], session: SessionDep):
    """A new generated password, shown this once; the user is signed out everywhere."""
    return service.reset_password(session, user, by=admin.username)


@router.post("/users/{user_id}/revoke-tokens", response_model=RevokedTokens)
def revoke_user_tokens(admin: AdminUser, user: Annotated[User, Depends(_user)], session: SessionDep):
    """Sign a user out everywhere (a lost or stolen phone)."""
    return RevokedTokens(revoked=service.revoke_user_tokens(session, user, by=admin.username))
