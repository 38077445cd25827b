"""Who is calling: the bearer token resolves to a user; roles are checked here, in one place."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.accounts import service
from api.accounts.models import AuthToken, Role, User
from api.errors import ApiError, forbidden

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def _authenticated(request: Request, background: BackgroundTasks,
                   token: Annotated[str | None, Depends(oauth2_scheme)]) -> tuple[User, AuthToken]:
    if not token:
        raise ApiError(401, "not_authenticated", "请先登录", "Authentication required",
                       headers={"WWW-Authenticate": "Bearer"})
    found = service.resolve_token(request.app.state.engine, request.app.state.settings, token)
    if found is None:
        raise ApiError(401, "invalid_token", "登录已失效，请重新登录",
                       "Token invalid, expired or revoked; log in again", headers={"WWW-Authenticate": "Bearer"})
    if service.due_for_last_used(found[1]):
        background.add_task(service.token_used, request.app.state.engine, found[1])
    return found


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
            raise forbidden({"required_roles": [r.value for r in roles], "your_role": user.role})
        return user

    return check


# The role sets each domain grants; named once so the authorization matrix reads like policy.
STAFF = (Role.dispatcher, Role.supervisor, Role.ledger, Role.leader, Role.admin)
CONFIGURERS = (Role.dispatcher, Role.admin)
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
ConfigurerUser = Annotated[User, Depends(require_roles(*CONFIGURERS))]
