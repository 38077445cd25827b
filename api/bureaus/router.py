from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import select

from api.accounts.deps import CONFIGURERS, STAFF, AdminUser, ConfigurerUser, CurrentUser
from api.accounts.models import Role
from api.bureaus import service
from api.bureaus.models import (
    Bureau,
    BureauCreate,
    BureauPublic,
    BureauSummary,
    BureauUpdate,
    WebhookTest,
)
from api.database import SessionDep
from api.errors import forbidden, not_found

router = APIRouter(prefix="/api/v1/bureaus", tags=["bureaus"])


def _bureau(code: str, session: SessionDep) -> Bureau:
    bureau = session.get(Bureau, code)
    if bureau is None:
        raise not_found("单位", "Bureau", code)
    return bureau


def _readable_bureau(bureau: Annotated[Bureau, Depends(_bureau)], user: CurrentUser) -> Bureau:
    """Staff see every bureau's details (liaisons, webhook); a liaison sees only their own."""
    if user.role in STAFF or (user.role == Role.bureau and user.bureau_code == bureau.code):
        return bureau
    raise forbidden()


def _writable_bureau(bureau: Annotated[Bureau, Depends(_bureau)], user: CurrentUser) -> Bureau:
    if user.role in CONFIGURERS or (user.role == Role.bureau and user.bureau_code == bureau.code):
        return bureau
    raise forbidden()


@router.get("", response_model=list[BureauSummary])
def list_bureaus(session: SessionDep, _user: CurrentUser):
    """Codes and names of all bureaus, for pickers and labels."""
    return session.exec(select(Bureau).order_by(Bureau.code)).all()


@router.post("", response_model=BureauPublic, status_code=status.HTTP_201_CREATED)
def create_bureau(data: BureauCreate, session: SessionDep, user: ConfigurerUser):
    return service.bureau_public(session, service.create_bureau(session, data, by=user.username))


@router.get("/{code}", response_model=BureauPublic)
def get_bureau(bureau: Annotated[Bureau, Depends(_readable_bureau)], session: SessionDep):
    return service.bureau_public(session, bureau)


@router.patch("/{code}", response_model=BureauPublic)
def update_bureau(data: BureauUpdate, bureau: Annotated[Bureau, Depends(_writable_bureau)],
                  session: SessionDep, user: CurrentUser):
    updated = service.update_bureau(session, bureau, data, liaison_only=user.role not in CONFIGURERS,
                                    by=user.username)
    return service.bureau_public(session, updated)


@router.post("/{code}/test-webhook", response_model=WebhookTest)
def test_webhook(admin: AdminUser, bureau: Annotated[Bureau, Depends(_bureau)]):
    """Send the bureau's robot a test message now and show its answer (nothing is queued or retried)."""
    return service.test_webhook(bureau, by=admin)
