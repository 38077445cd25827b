from sqlmodel import Session, select

from api.accounts.models import Role, User
from api.bureaus.models import Bureau, BureauCreate, BureauPublic, BureauUpdate, Liaison
from api.errors import ApiError

# What a liaison may change on their own bureau; the rest belongs to the dispatcher.
LIAISON_FIELDS = {"webhook_url", "contact_phone"}


def bureau_public(session: Session, bureau: Bureau) -> BureauPublic:
    liaisons = session.exec(select(User).where(User.bureau_code == bureau.code, User.role == Role.bureau,
                                               User.is_active == True)  # noqa: E712
                            .order_by(User.username)).all()
    return BureauPublic(**bureau.model_dump(), liaisons=[
        Liaison(username=u.username, display_name=u.display_name, phone=u.phone) for u in liaisons])


def create_bureau(session: Session, data: BureauCreate) -> Bureau:
    if session.get(Bureau, data.code) is not None:
        raise ApiError(409, "bureau_exists", f"单位编码 {data.code} 已存在", f"bureau {data.code} exists")
    bureau = Bureau.model_validate(data)
    session.add(bureau)
    session.flush()
    return bureau


def update_bureau(session: Session, bureau: Bureau, data: BureauUpdate, *, liaison_only: bool) -> Bureau:
    changes = data.model_dump(exclude_unset=True)
    if liaison_only and set(changes) - LIAISON_FIELDS:
        raise ApiError(403, "forbidden", "联络员只能修改本单位的通知地址和电话",
                       "liaisons may only change their bureau's webhook URL and phone",
                       {"fields_allowed": sorted(LIAISON_FIELDS)})
    for key, value in changes.items():
        setattr(bureau, key, value)
    session.add(bureau)
    session.flush()
    return bureau
