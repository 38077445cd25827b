"""Documents generated in the background (bulletins, ledgers), in a way that survives a crash.

A row is stored `queued` by the request that asks for it and handed to its process's thread. A run first claims
the row (`running`, a fresh run token, a lease), renews the lease with every step of progress, and writes its
result only while it still holds the token. A process that dies leaves its row queued or running with a lease
that runs out; the worker then claims it and runs it again, up to `max_attempts` times before calling it failed.
A run whose lease was taken over meanwhile finds its token gone at its next step and stops, writing nothing.

The table needs the columns: id, status (queued/running/done/failed), progress (0–100), attempts, run_token,
lease_until, created_at, error, error_en. These are background jobs with no request around them: each step
commits its own short transaction."""

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.bulletins.models import Bulletin
from api.database import transaction, utcnow
from api.exports.models import Export

# The tables run as jobs (each has the columns above), named so that the checker sees those columns.
Row = TypeVar("Row", Bulletin, Export)


class Lost(Exception):
    """This run no longer holds the row (its lease lapsed and another run took it over)."""


@dataclass(frozen=True)
class Jobs(Generic[Row]):
    model: type[Row]
    lease: timedelta  # longer than any one step between two renewals
    max_attempts: int
    gave_up: tuple[str, str]  # the reason when they are spent, zh and en, with {attempts}

    def claim(self, engine: Engine, *conditions,
              on_claim: Callable[[Session, Row], None] = lambda session, row: None
              ) -> tuple[uuid.UUID, uuid.UUID] | None:
        """Take the oldest row matching the conditions: (its id, this run's token), or None. `on_claim` sees
        the row inside the claiming transaction."""
        model, now = self.model, utcnow()
        with transaction(engine) as session:
            row = session.exec(select(model).where(*conditions).order_by(col(model.created_at)).limit(1)
                               .with_for_update(skip_locked=True)).first()
            if row is None:
                return None
            if row.attempts >= self.max_attempts:  # it took its process down every time: stop trying
                row.status, row.run_token, row.lease_until = "failed", None, None
                row.error, row.error_en = (text.format(attempts=row.attempts) for text in self.gave_up)
                session.add(row)
                return None
            on_claim(session, row)
            row.status, row.progress, row.attempts = "running", 0, row.attempts + 1
            row.run_token, row.lease_until = uuid.uuid4(), now + self.lease
            row.error = row.error_en = None
            session.add(row)
            return row.id, row.run_token

    def claim_queued(self, engine: Engine, row_id: uuid.UUID, **kw) -> tuple[uuid.UUID, uuid.UUID] | None:
        """A row just queued, unless another process took it first."""
        return self.claim(engine, col(self.model.id) == row_id, col(self.model.status) == "queued", **kw)

    def claim_abandoned(self, engine: Engine, **kw) -> tuple[uuid.UUID, uuid.UUID] | None:
        """The oldest row whose process died: queued or running, its lease lapsed (or never taken)."""
        model = self.model
        return self.claim(engine, col(model.status).in_(("queued", "running")),
                          or_(col(model.lease_until).is_(None), col(model.lease_until) < utcnow()), **kw)

    def update(self, engine: Engine, row_id: uuid.UUID, token: uuid.UUID, **values) -> None:
        """Write under this run's token, renewing its lease (Lost: it holds the row no longer)."""
        model = self.model
        with transaction(engine) as session:
            result = session.exec(update(model).where(
                col(model.id) == row_id, col(model.run_token) == token, col(model.status) == "running")
                .values(**{"lease_until": utcnow() + self.lease, **values}))
        if result.rowcount != 1:
            raise Lost()

    def finish(self, engine: Engine, row_id: uuid.UUID, token: uuid.UUID, **values) -> None:
        self.update(engine, row_id, token, status="done", progress=100, run_token=None, lease_until=None, **values)

    def fail(self, engine: Engine, row_id: uuid.UUID, token: uuid.UUID, zh: str, en: str) -> None:
        try:
            self.update(engine, row_id, token, status="failed", error=zh, error_en=en, run_token=None,
                        lease_until=None)
        except Lost:
            pass


class JobThread:
    """A process's thread for one kind of document: one at a time, for their photos and layout take memory."""

    def __init__(self, name: str, run: Callable[[uuid.UUID], object]) -> None:
        self.run = run
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def start(self, row_id: uuid.UUID) -> None:
        self.pool.submit(self.run, row_id)

    def shutdown(self) -> None:
        # The one running is finished (seconds); those still queued are left to the worker.
        self.pool.shutdown(wait=True, cancel_futures=True)
