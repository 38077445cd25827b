"""Bulletins as rows, for tests that need one in a given state without generating it."""

from sqlmodel import Session

from api.accounts.models import User
from api.bulletins import runner, service
from api.bulletins.models import Bulletin, BulletinContent, Scope
from api.config import Settings
from api.database import utcnow, write_session


def content(**fields) -> BulletinContent:
    """What a bulletin of an empty month shows."""
    now = utcnow()
    return BulletinContent(**{
        "title": "青溪县创建文明城市工作月度评比通报", "county": "青溪县", "kind": "monthly", "period": "2026-10",
        "period_label": "2026年10月", "range_label": "2026年10月1日至10月31日", "as_of": now, "generated_at": now,
        "version": 1, "correction": None, "scope": Scope(
            units=0, ranked=0, cells=0, key_points=0, patrols_due=None, patrolled=None, reports=0, valid_reports=0,
            due=0, closed=0, open=0, overdue_open=0), "summary": [], "previous_label": None, "min_due": 5,
        "ranking": [], "red": [], "black": [], "showcase": [], "overdue": [], "overdue_total": 0, "escalated": [],
        "escalated_total": 0, "hotspots": [], "key_points": [], **fields})


def make_bulletin(db: Session, settings: Settings, author: User, *, period: str = "2026-10",
                  published: bool = False, pdf: bytes = b"%PDF-1.4\n% a test bulletin\n") -> Bulletin:
    """A generated bulletin of the month (published, if asked), its PDF stored as generation stores it."""
    sha256 = runner.documents(settings).put(pdf)
    row = Bulletin(kind="monthly", period=period, status="done", progress=100, version=1,
                   content=content(period=period).model_dump(mode="json"), sha256=sha256, size=len(pdf),
                   created_by=author.id, generated_at=utcnow())
    if published:
        row.published_at, row.published_by = utcnow(), author.id
    # Read the versions and write in one write transaction: a generation may be writing in the background.
    with write_session(db.get_bind()) as session:
        service.number(session, row)
        session.add(row)
        session.commit()
    return row
