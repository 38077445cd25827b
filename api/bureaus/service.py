import httpx
from sqlmodel import Session, select

from api.accounts.models import Role, User
from api.audit import service as audit
from api.bureaus.models import Bureau, BureauCreate, BureauPublic, BureauUpdate, Liaison, WebhookTest
from api.errors import ApiError
from api.notifications.models import WebhookDelivery
from api.notifications.worker import send

# What a liaison may change on their own bureau; the rest belongs to the dispatcher.
LIAISON_FIELDS = {"webhook_url", "contact_phone"}


def bureau_public(session: Session, bureau: Bureau) -> BureauPublic:
    liaisons = session.exec(select(User).where(User.bureau_code == bureau.code, User.role == Role.bureau,
                                               User.is_active == True)  # noqa: E712
                            .order_by(User.username)).all()
    return BureauPublic(**bureau.model_dump(), liaisons=[
        Liaison(username=u.username, display_name=u.display_name, phone=u.phone) for u in liaisons])


def _audited(bureau: Bureau) -> dict:
    return bureau.model_dump(exclude={"code"})


def create_bureau(session: Session, data: BureauCreate, *, by: str) -> Bureau:
    if session.get(Bureau, data.code) is not None:
        raise ApiError(409, "bureau_exists", f"单位编码 {data.code} 已存在", f"bureau {data.code} exists")
    bureau = Bureau.model_validate(data)
    session.add(bureau)
    session.flush()
    audit.record(session, actor=by, entity="bureau", key=bureau.code, action="create", after=_audited(bureau))
    return bureau


def update_bureau(session: Session, bureau: Bureau, data: BureauUpdate, *, liaison_only: bool,
                  by: str) -> Bureau:
    changes = data.model_dump(exclude_unset=True)
    if liaison_only and set(changes) - LIAISON_FIELDS:
        raise ApiError(403, "forbidden", "联络员只能修改本单位的通知地址和电话",
                       "liaisons may only change their bureau's webhook URL and phone",
                       {"fields_allowed": sorted(LIAISON_FIELDS)})
    before = _audited(bureau)
    for key, value in changes.items():
        setattr(bureau, key, value)
    session.add(bureau)
    session.flush()
    audit.record(session, actor=by, entity="bureau", key=bureau.code, action="update", before=before,
                 after=_audited(bureau))
    return bureau


def test_webhook(bureau: Bureau, *, by: User) -> WebhookTest:
    """Post a test message to the bureau's robot the way the delivery worker does, and say what it answered."""
    if not bureau.webhook_url:
        raise ApiError(422, "no_webhook", "该单位未设置通知地址（webhook）", "the bureau has no webhook URL",
                       {"field": "webhook_url"})
    # Never stored, so without the ticket and kind of a real delivery: send reads the URL and the content alone.
    message = WebhookDelivery(url=bureau.webhook_url, content=(  # type: ignore[call-arg]
        f"**网格巡查 · 测试消息**\n{bureau.name}的通知机器人已接通（{by.display_name} 发送）。"))
    replies: list[httpx.Response] = []
    # send keeps only the verdict; the page also shows what the robot replied.
    with httpx.Client(event_hooks={"response": [replies.append]}) as client:
        error = send(client, message)
    reply = replies[-1] if replies else None
    return WebhookTest(ok=error is None, error=error, status_code=reply.status_code if reply else None,
                       answer=reply.text[:2000] if reply else None)
