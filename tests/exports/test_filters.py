"""The export's filters beyond the ticket list's (closure dates, key point, source) are the ticket list's own
WHERE terms (api/tickets/service.py ticket_where): the preview's count is the database's, and the pages hold
exactly the tickets the filters pick."""

import pytest
from sqlmodel import select

from api.accounts.models import User
from api.exports import ledger
from api.exports.models import ExportFilters
from api.keypoints.models import KeyPoint
from api.tickets import service as tickets_service
from api.tickets.models import Ticket
from tests.factories import login
from tests.indicators.history import TZ, C1, Story, local


@pytest.fixture
def marked(db, october):
    """October's tickets, some at the key point, some from supervision, some from citizens; and the clerk's own
    capture at the key point, still incomplete (no problem yet: never exported)."""
    point = db.exec(select(KeyPoint)).one()
    tickets = db.exec(select(Ticket).order_by(Ticket.created_at, Ticket.id)).all()
    for ticket in tickets[::3]:
        ticket.key_point_id = point.id
    for ticket in tickets[1::4]:
        ticket.source = "supervision"
    for ticket in tickets[2::4]:
        ticket.source = "citizen"
    db.add_all(tickets)
    clerk = db.exec(select(User).where(User.username == "clerk")).one()
    Story(db, clerk, C1, local(10, 9), key_point_id=point.id)
    db.commit()
    return point


def _cases(point: KeyPoint) -> list[tuple[dict, object]]:
    start, end = local(10, 8), local(10, 16)
    return [
        ({"key_point": point.id}, lambda t: t.key_point_id == point.id),
        ({"source": "supervision"}, lambda t: t.source == "supervision"),
        ({"source": "inspection", "key_point": point.id},
         lambda t: t.source == "inspection" and t.key_point_id == point.id),
        ({"source": "citizen"}, lambda t: t.source == "citizen"),
        ({"closed_from": start.isoformat()}, lambda t: t.closed_at is not None and t.closed_at >= start),
        ({"closed_to": end.isoformat()}, lambda t: t.closed_at is not None and t.closed_at < end),
        ({"closed_from": start.isoformat(), "closed_to": end.isoformat(), "bureau": "zjj"},
         lambda t: t.closed_at is not None and start <= t.closed_at < end and t.bureau_code == "zjj"),
    ]


def test_closure_key_point_and_source_are_counted_by_the_database(client, db, marked, monkeypatch):
    tickets = [t for t in db.exec(select(Ticket)).all() if t.status != "incomplete"]
    reads = []
    monkeypatch.setattr(ledger, "PAGE", 2)  # counting by reading pages would read many
    find = tickets_service.find_tickets
    monkeypatch.setattr(tickets_service, "find_tickets", lambda *a, **kw: reads.append(kw) or find(*a, **kw))
    clerk = login(client, "clerk")
    for body, picks in _cases(marked):
        expected = {str(t.id)[:8] for t in tickets if picks(t)}
        reads.clear()
        response = client.post("/api/v1/exports/preview", json=body, headers=clerk)
        assert response.status_code == 200, response.text
        preview = response.json()
        assert preview["count"] == len(expected), body
        assert {row["number"] for row in preview["rows"]} <= expected
        assert len(preview["rows"]) == min(len(expected), 20)
        assert len(reads) == 1, body  # the preview's rows; the count reads no pages
    assert any(len({str(t.id)[:8] for t in tickets if picks(t)}) > 2 for _body, picks in _cases(marked))


def test_pages_hold_exactly_the_picked_tickets(db, marked):
    clerk = db.exec(select(User).where(User.username == "clerk")).one()
    tickets = [t for t in db.exec(select(Ticket)).all() if t.status != "incomplete"]
    for body, picks in _cases(marked):
        filters = ExportFilters.model_validate(body)
        pages = list(ledger.pages(db, clerk, filters, TZ, size=2))
        assert all(len(page) <= 2 for page in pages)
        picked = [t.id for page in pages for t in page]
        assert sorted(picked) == sorted(t.id for t in tickets if picks(t)), body
        assert ledger.count(db, clerk, filters, TZ) == len(picked)


def test_a_liaison_counts_its_own_units_tickets_whatever_it_names(client, db, marked):
    zjj = login(client, "zjj1")
    body = {"key_point": marked.id, "bureau": "zhzf"}
    expected = [t for t in db.exec(select(Ticket)).all()
                if t.key_point_id == marked.id and t.bureau_code == "zjj" and t.status != "incomplete"]
    preview = client.post("/api/v1/exports/preview", json=body, headers=zjj).json()
    assert preview["count"] == len(expected) > 0
    assert {row["unit"] for row in preview["rows"]} == {"住建局"}


def test_an_unknown_source_is_refused(client, marked):
    response = client.post("/api/v1/exports/preview", json={"source": "hotline"}, headers=login(client, "clerk"))
    assert response.status_code == 422 and response.json()["error"]["code"]


def test_each_source_has_its_ledger_name(db, marked):
    """来源 as county ledgers write it (docs/domain.md §12): 日常巡查, 督察暗访, 群众反映."""
    clerk = db.exec(select(User).where(User.username == "clerk")).one()
    names = ledger.Names(db)
    for source, name in (("inspection", "日常巡查"), ("supervision", "督察暗访"), ("citizen", "群众反映")):
        (page, *_) = ledger.pages(db, clerk, ExportFilters.model_validate({"source": source}), TZ)
        assert {line.source for line in ledger.lines(db, names, page)} == {name}
