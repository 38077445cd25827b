from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from sqlmodel import select

from api.accounts import service
from api.accounts.deps import AdminUser, CurrentToken, CurrentUser
from api.accounts.models import (
    AuthToken,
    Role,
    TokenPublic,
    TokenResponse,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from api.database import SessionDep, transaction
from api.errors import forbidden, not_found
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
    return TokenResponse(access_token=token, expires_in=expires_in, token_id=row.id, kind=row.kind)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: SessionDep, token: CurrentToken):
    service.revoke_token(session, token)


@router.get("/auth/tokens", response_model=list[TokenPublic])
def list_tokens(session: SessionDep, user: CurrentUser, user_id: Annotated[RowId | None, Query()] = None):
    """Your own tokens (devices); an admin may name another user's."""
    if user_id is not None and user_id != user.id and user.role != Role.admin:
        raise forbidden()
    return service.list_tokens(session, user_id or user.id)


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


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, _admin: AdminUser, role: Role | None = None, bureau: str | None = None):
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if bureau:
        query = query.where(User.bureau_code == bureau)
    return [service.user_public(session, u) for u in session.exec(query)]


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, _admin: AdminUser):
    return service.user_public(session, service.create_user(session, data))


@router.patch("/users/{user_id}", response_model=UserPublic)
def update_user(user_id: RowId, data: UserUpdate, session: SessionDep, _admin: AdminUser):
    user = session.get(User, user_id)
    if user is None:
        raise not_found("用户", "User", user_id)
    return service.user_public(session, service.update_user(session, user, data))


@router.post("/users/{user_id}/revoke-tokens")
def revoke_user_tokens(user_id: RowId, session: SessionDep, _admin: AdminUser):
    """Sign a user out everywhere (a lost or stolen phone)."""
    if session.get(User, user_id) is None:
        raise not_found("用户", "User", user_id)
    return {"revoked": service.revoke_all_tokens(session, user_id)}
