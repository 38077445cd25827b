"""Exports as rows, for tests that need a finished one without generating it."""

import hashlib
import secrets

from sqlmodel import Session

from api.accounts.models import User
from api.config import Settings
from api.database import utcnow
from api.exports import runner
from api.exports.models import Export


def make_export(db: Session, settings: Settings, maker: User, *, feed: bool = False) -> tuple[Export, str | None]:
    """A finished CSV export of `maker`'s, its file stored as generation stores it (and its feed's token)."""
    data = "\ufeffnumber\n".encode()
    token = secrets.token_urlsafe(16) if feed else None
    row = Export(format="csv", filters={}, file_name="问题整改台账_全部.csv", status="done", progress=100, rows=0,
                 sha256=runner.documents(settings).put(data), size=len(data), created_by=maker.id,
                 generated_at=utcnow(), feed_token_sha256=hashlib.sha256(token.encode()).hexdigest() if feed else None)
    db.add(row)
    db.commit()
    return row, token
