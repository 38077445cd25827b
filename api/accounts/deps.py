"""Who is calling: the bearer token resolves to a user; roles are checked here, in one place."""

from datetime import datetime
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.accounts import service
from api.accounts.models import AuthToken, Role, User
from api.config import Settings
from api.database import stored_id
from api.errors import ApiError, forbidden

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# Errors are made anew for each raise: a raised instance keeps its traceback, and every frame on it.
def _not_authenticated() -> ApiError:
    return ApiError(401, "not_authenticated", "请先登录", "Authentication required",
                    headers={"WWW-Authenticate": "Bearer"})


def _invalid_token() -> ApiError:
    return ApiError(401, "invalid_token", "登录已失效，请重新登录", "Token invalid, expired or revoked; log in again",
                    headers={"WWW-Authenticate": "Bearer"})


async def _bearer(token: Annotated[str | None, Depends(oauth2_scheme)]) -> str:
    if not token:
        raise _not_authenticated()
    return token


BearerToken = Annotated[str, Depends(_bearer)]


def _note_use(background: BackgroundTasks, engine: Engine, token_id: int, last_used_at: datetime | None) -> None:
    """Note the device as seen, after the response, when due (by id: the row may be expired by then)."""
    if service.due_for_last_used(last_used_at):
        background.add_task(service.token_used, engine, token_id)


def _authenticated(request: Request, background: BackgroundTasks, token: BearerToken) -> tuple[User, AuthToken]:
    found = service.resolve_token(request.app.state.engine, request.app.state.settings, token)
    if found is None:
        raise _invalid_token()
    _note_use(background, request.app.state.engine, stored_id(found[1].id), found[1].last_used_at)
    return found


def authorize(session: Session, settings: Settings, token: str, background: BackgroundTasks,
              roles: tuple[Role, ...] | None = None) -> User:
    """What the dependencies here do, inside the caller's session: for the capture path, whose
    endpoints take the bare BearerToken and make one trip to the thread pool with one session per
    request, instead of one for authentication and more for the work (a fifth of a PUT's CPU)."""
    found = service.token_user(session, settings, token)
    if found is None:
        raise _invalid_token()
    user, row = found
    if roles and user.role not in roles:
        raise _role_refused(roles, user)
    _note_use(background, session.get_bind().engine, stored_id(row.id), row.last_used_at)
    return user


def _role_refused(roles: tuple[Role, ...], user: User) -> ApiError:
    return forbidden({"required_roles": [r.value for r in roles], "your_role": user.role})


# The dependencies below only pick and check: async, so FastAPI runs them on the event loop instead of
# a trip each to the thread pool (the one above reads the database, so it stays a plain def).
async def _current_user(auth: Annotated[tuple[User, AuthToken], Depends(_authenticated)]) -> User:
    return auth[0]


async def _current_token(auth: Annotated[tuple[User, AuthToken], Depends(_authenticated)]) -> AuthToken:
    return auth[1]


CurrentUser = Annotated[User, Depends(_current_user)]
CurrentToken = Annotated[AuthToken, Depends(_current_token)]


def require_roles(*roles: Role):
    """A dependency that lets only the given roles through (403 for the others)."""

    async def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise _role_refused(roles, user)
        return user

    return check


# The role sets each domain grants; named once so the authorization matrix reads like policy.
STAFF = (Role.dispatcher, Role.supervisor, Role.ledger, Role.leader, Role.admin)
CONFIGURERS = (Role.dispatcher, Role.admin)
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
ConfigurerUser = Annotated[User, Depends(require_roles(*CONFIGURERS))]
