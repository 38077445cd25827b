"""The demo county, its routing splits from the seeds, and county configuration round trips."""

from collections import Counter

import pytest
import yaml
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from api import migrate
from api.accounts.models import Role, User
from api.cli import app as cli
from api.county import config_doc, demo
from api.database import make_engine
from api.errors import ApiError
from api.grid.index import GridIndexCache
from api.grid.models import CellInspector, GridArea, GridCell
from api.keypoints.models import KeyPoint
from api.routing import service as routing_service
from api.routing.models import RoutingRule
from tests import dbutil
from tests.factories import login


@pytest.fixture
def county(db):
    accounts = demo.load(db)
    db.commit()
    return accounts


def test_demo_county_shape(db, county):
    cells = db.exec(select(GridCell)).all()
    assert len(cells) == 34
    assert all(len(c.code) == 15 and c.code.startswith("330790") for c in cells)
    assert all(c.responsible_bureau_code for c in cells)
    assert len({c.responsible_bureau_code for c in cells}) == 34
    levels = Counter(a.level for a in db.exec(select(GridArea)))
    assert levels == {"county": 1, "street": 3, "community": 9}
    covered = set(db.exec(select(CellInspector.cell_code)).all())
    assert covered == {c.code for c in cells}
    roles = Counter(u.role for u in db.exec(select(User)))
    assert set(roles) == {r.value for r in Role}
    assert roles["inspector"] >= 34
    points = db.exec(select(KeyPoint)).all()
    assert len({p.point_type_code for p in points}) >= 8
    assert all(p.cell_code for p in points), "every key point lies inside a cell"
    assert {a.username for a in county} >= {"admin", "dispatcher", "supervisor", "ledger", "leader", "insp01"}


def test_demo_cells_tile_without_gaps_or_overlaps(db, county):
    import json

    from shapely import union_all
    from shapely.geometry import shape

    geoms = [shape(json.loads(g)) for g in db.exec(select(GridCell.geometry))]
    assert abs(union_all(geoms).area - sum(g.area for g in geoms)) < 1e-9


@pytest.mark.parametrize("category, point_type, bureau, source", [
    ("0505", "main_road", "jjdd", "rule"),          # road parking → 交警大队
    ("0506", "main_road", "zhzf", "rule"),          # sidewalk parking → 综合执法局
    ("0502", "commercial_street", "zhzf", "rule"),  # stall encroaching → 综合执法局
    ("0102", "main_road", "zjj", "rule"),           # garbage on a main road → 住建局
    ("0102", "back_lane", "CELL", "rule"),          # garbage in a back lane → the cell's unit
    ("0508", None, "CELL", "rule"),                 # piled goods → the cell's unit
    ("0602", None, "wjj", "category_default"),      # small food shop hygiene → 卫健局
])
def test_demo_routing_reproduces_the_seeds(db, county, category, point_type, bureau, source):
    index = GridIndexCache().get(db)
    cell_code = index.locate(120.03, 28.905)
    cell = db.get(GridCell, cell_code)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    decision = routing_service.decide(db, category_code=category, point_type=point_type, cell_code=cell_code,
                                      at=datetime(2026, 11, 20, 14, tzinfo=tz), tz=tz)
    expected = cell.responsible_bureau_code if bureau == "CELL" else bureau
    assert (decision.bureau_code, decision.source) == (expected, source)


def test_demo_accounts_log_in(client, county):
    me = client.get("/api/v1/me", headers=login(client, "insp01", "demo1234")).json()
    assert me["role"] == "inspector" and len(me["cells"]) == 1
    me = client.get("/api/v1/me", headers=login(client, "zhzf1", "demo1234")).json()
    assert me["bureau"]["name"] == "综合执法局"


def test_demo_command_is_idempotent_and_refuses_foreign_data(tmp_path, monkeypatch):
    url = dbutil.create_database(tmp_path, "demo")
    try:
        monkeypatch.setenv("GRIDPATROL_DATABASE_URL", url)
        monkeypatch.setenv("GRIDPATROL_DATA_DIR", str(tmp_path))
        first = CliRunner().invoke(cli, ["demo"])
        assert first.exit_code == 0, first.output
        assert "demo1234" in first.output and "insp01" in first.output
        second = CliRunner().invoke(cli, ["demo"])
        assert second.exit_code == 0 and "already loaded" in second.output
        engine = make_engine(url)
        with Session(engine) as session:
            assert session.exec(select(func.count()).select_from(GridCell)).one() == 34
            assert session.exec(select(func.count()).select_from(RoutingRule)).one() == 10
        engine.dispose()
    finally:
        dbutil.drop_database(url)

    other = dbutil.create_database(tmp_path, "other")
    try:
        monkeypatch.setenv("GRIDPATROL_DATABASE_URL", other)
        migrate.upgrade(other)
        assert CliRunner().invoke(cli, ["user", "add", "someone", "--role", "admin",
                                        "--password", "long-enough-1"]).exit_code == 0
        refused = CliRunner().invoke(cli, ["demo"])
        assert refused.exit_code == 1 and "not empty" in refused.output
    finally:
        dbutil.drop_database(other)


def test_config_round_trip_into_a_fresh_database(tmp_path, db, county, monkeypatch):
    exported = config_doc.export_config(db)
    assert len(exported["categories"]) == 29 and len(exported["routing_rules"]) == 10
    assert all("webhook_url" not in b for b in exported["bureaus"])

    url = dbutil.create_database(tmp_path, "config")
    try:
        migrate.upgrade(url)
        monkeypatch.setenv("GRIDPATROL_DATABASE_URL", url)
        monkeypatch.setenv("GRIDPATROL_DATA_DIR", str(tmp_path))
        path = tmp_path / "county.yaml"
        path.write_text(yaml.safe_dump(exported, allow_unicode=True), encoding="utf-8")
        result = CliRunner().invoke(cli, ["config", "import", str(path)])
        assert result.exit_code == 0, result.output
        again = tmp_path / "again.json"
        assert CliRunner().invoke(cli, ["config", "export", str(again)]).exit_code == 0
        import json

        assert json.loads(again.read_text(encoding="utf-8")) == exported
    finally:
        dbutil.drop_database(url)


def test_bad_config_changes_nothing(db, county):
    before = config_doc.export_config(db)
    broken = {**before, "routing_rules": [{"name": "坏规则", "category_codes": ["0506"],
                                            "bureau_code": "nobody"}]}
    with pytest.raises(ApiError) as caught:
        config_doc.import_config(db, broken, by="test")
    db.rollback()
    assert caught.value.code == "rule_invalid"
    assert config_doc.export_config(db) == before
    with pytest.raises(ApiError) as caught:
        config_doc.import_config(db, {"version": 1, "categories": [{"code": "x"}]}, by="test")
    assert caught.value.code == "config_invalid" and caught.value.details


def test_history_is_consistent(db, county, settings):
    from collections import Counter
    from datetime import datetime

    from api.county.demo_history import load_history
    from api.tickets.models import Photo
    from api.tickets.models import Ticket, TicketEvent

    assert load_history(db, settings, count=60) == 60
    db.commit()
    tickets = db.exec(select(Ticket)).all()
    assert len(tickets) == 60
    assert len(Counter(t.status for t in tickets)) >= 4
    now = datetime.now(settings.tz)
    storage_root = settings.data_dir / "photos" / "originals"
    for ticket in tickets:
        events = db.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()
        assert events[-1].to_status == ticket.status  # the log replays to the current state
        assert all(a.to_status == b.from_status for a, b in zip(events[1:], events[2:], strict=False))
        assert all(e.at <= now for e in events)
        photos = db.exec(select(Photo).where(Photo.ticket_id == ticket.id)).all()
        assert any(p.kind == "before" for p in photos)
        for photo in photos:
            assert (storage_root / photo.sha256[:2] / photo.sha256).stat().st_size == photo.size
        if ticket.status == "closed":
            rectify = max(e.id for e in events if e.action == "rectify")
            assert any(e.action == "verify" and e.payload["result"] == "pass" and e.id > rectify for e in events)
            assert any(p.kind == "after" for p in photos)
        if ticket.deadline_at:
            assert ticket.deadline_at > ticket.created_at


def test_the_demo_county_takes_citizens_reports_out_of_the_box(client, county):
    """The public page has categories to offer: each a real category, under the name residents use."""
    public = client.get("/api/v1/public/categories").json()
    assert [c["name"] for c in public][:2] == ["人行道乱停车", "暴露垃圾"]
    known = {c["code"] for c in client.get("/api/v1/categories", headers=login(client, "dispatcher", "demo1234")).json()}
    assert len(public) >= 6 and {c["code"] for c in public} <= known
    assert all(c["name_en"] for c in public)
