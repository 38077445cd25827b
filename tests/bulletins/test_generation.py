"""Generating a bulletin on a hand-built October: its content, its PDF's text, and surviving a crash."""

import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from api.bulletins import content, runner
from api.accounts.models import User
from api.bulletins.models import Bulletin, BulletinContent
from api.database import utcnow
from api.documents import pdf
from api.indicators import periods
from api.indicators import service as indicators_service
from tests.bulletins.history import UNITS, build
from tests.indicators.history import C2, Story, local

AFTER = datetime(2026, 12, 15, tzinfo=UTC)


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext reads it (-raw: in the order drawn, spaces kept)."""
    return subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def october(db, settings):
    return build(db, settings)


def _gather(db, settings, **kw):
    return content.gather(db, settings, runner.photos(settings), kind="monthly", period=periods.parse("2026-10"),
                          version=1, supersedes_version=None, now=AFTER, progress=lambda value: None,
                          **{"showcase_ticket_ids": None, **kw})


def test_content_names_units_and_carries_the_ranking_the_api_gives(db, settings, october):
    found = _gather(db, settings)
    ranking = indicators_service.rankings(db, settings, period=periods.parse("2026-10"), now=AFTER)
    assert [(line.name, line.rank, line.score, line.grade, line.rank_change, line.red, line.black)
            for line in found.ranking] == [(u.name, u.rank, u.score, u.grade, u.rank_change, u.red, u.black)
                                           for u in ranking.units]
    assert found.red == [UNITS[code] for code in ranking.red]
    assert (found.period_label, found.range_label, found.previous_label) == (
        "2026年10月", "2026年10月1日至10月31日", "2026年9月")
    closure = next(f for f in found.summary if f.label == "结案率")
    totals = indicators_service.indicators(db, settings, period=periods.parse("2026-10"), by="bureau", now=AFTER)
    assert closure.value == totals.totals.closure_rate


def test_the_default_showcase_is_flagged_then_reworked_with_photo_pairs(db, settings, october):
    found = _gather(db, settings)
    # The overdue ticket has no after-photo: not a pair, so not chosen by default.
    assert [item.ticket_id for item in found.showcase] == [october["flagged"], october["reworked"]]
    flagged, reworked = found.showcase
    assert any("Photoshop" in reason for reason in flagged.reasons)
    assert "返工 1 次" in reworked.reasons and reworked.description == "人行道上长期停放车辆"
    assert (reworked.place, reworked.unit, reworked.category) == ("二号网格", "住建局", "人行道乱停车")
    for item in found.showcase:
        for photo in (item.before, item.after):
            assert runner.photos(settings).derived_path(photo.sha256, "display").exists()


def test_lists_hotspots_and_key_points(db, settings, october):
    found = _gather(db, settings)
    # Due 20 October 17:00, still open at the month's end: 11 days and 7 hours late.
    assert [(t.number, t.unit, t.late_by_days) for t in found.overdue] == [
        (str(october["late_open"])[:8], "交警大队", 11.3)]
    assert found.escalated_total == 1 and found.escalated[0].status == "已签收"
    assert [(h.place, h.category, h.tickets, h.recurring) for h in found.hotspots] == [
        ("三号网格", "人行道乱停车", 3, 1)]
    (point,) = found.key_points
    assert (point.name, point.point_type, point.unit, point.patrols, point.failed_patrols, point.items) == (
        "城东夜市", "夜市", "综合执法局", 3, 2, ["要求B1"])


def test_a_chosen_showcase_keeps_its_order_and_shows_an_unfixed_problem(db, settings, october):
    found = _gather(db, settings, showcase_ticket_ids=[october["late_open"], october["flagged"]])
    first, second = found.showcase
    assert (first.ticket_id, second.ticket_id) == (october["late_open"], october["flagged"])
    assert first.before is not None and first.after is None
    assert {"超期", "督办"} <= set(first.reasons)


def _queued(db, october, **kw) -> Bulletin:
    row = Bulletin(**{"kind": "monthly", "period": "2026-10", "version": 1,
                      "created_by": october["users"]["dispatcher"].id,
                      "lease_until": utcnow() + timedelta(minutes=1), **kw})
    db.add(row)
    db.commit()
    return row


def test_generation_stores_the_pdf_with_names_figures_and_page_numbers(db, engine, settings, october):
    row = _queued(db, october)
    assert runner.run_queued(engine, settings, row.id)
    db.expire_all()
    row = db.get(Bulletin, row.id)
    assert (row.status, row.progress, row.error) == ("done", 100, None)
    data = runner.documents(settings).path(row.sha256).read_bytes()
    text = pdf_text(data)
    for name in UNITS.values():
        assert name in text
    assert "第 1 页 / 共" in text
    assert "2026年10月" in text and "曝光台" in text and "城东夜市" in text
    for line in row.content["ranking"]:
        if line["score"] is not None:
            assert f"{line['score']:.1f}" in text
    assert not runner.run_queued(engine, settings, row.id)  # done: nobody takes it again


def test_a_generation_left_behind_by_a_dead_process_is_resumed_and_the_late_one_writes_nothing(
        db, engine, settings, october):
    # A process claimed it, then died: its row stays running until its lease lapses.
    row = _queued(db, october, status="running", attempts=1, run_token=uuid.uuid4(),
                  lease_until=utcnow() - timedelta(seconds=1))
    dead_token = row.run_token
    assert runner.resume_abandoned(engine, settings) == 1
    db.expire_all()
    row = db.get(Bulletin, row.id)
    assert (row.status, row.progress, row.attempts) == ("done", 100, 2)
    with pytest.raises(runner.Lost):  # the dead generation, had it lived, could not write over it
        runner._update(engine, row.id, dead_token, progress=50)
    assert runner.resume_abandoned(engine, settings) == 0


def test_queued_rows_wait_for_their_process_then_the_worker_takes_them(db, engine, settings, october):
    waiting = _queued(db, october)
    assert runner.resume_abandoned(engine, settings) == 0  # its process still has a minute to start it
    waiting.lease_until = utcnow() - timedelta(seconds=1)
    db.add(waiting)
    db.commit()
    assert runner.resume_abandoned(engine, settings) == 1


def test_a_bulletin_that_keeps_killing_its_process_is_given_up(db, engine, settings, october):
    row = _queued(db, october, status="running", attempts=runner.MAX_ATTEMPTS, run_token=uuid.uuid4(),
                  lease_until=utcnow() - timedelta(seconds=1))
    assert runner.resume_abandoned(engine, settings) == 0
    db.expire_all()
    row = db.get(Bulletin, row.id)
    assert row.status == "failed" and "3 次" in row.error


def test_files_no_bulletin_names_are_swept(db, engine, settings, october):
    store = runner.documents(settings)
    orphan = store.put(b"%PDF-1.4 orphan")
    kept = _queued(db, october)
    runner.run_queued(engine, settings, kept.id)
    db.expire_all()
    named = db.exec(select(Bulletin.sha256)).all()
    assert store.sweep(named, grace_s=0) == 1
    assert not store.path(orphan).exists() and store.path(db.get(Bulletin, kept.id).sha256).exists()


def test_without_a_chinese_font_generation_fails_with_the_reason(db, engine, settings, october, monkeypatch):
    monkeypatch.setattr(pdf, "_project_font", lambda: None)
    monkeypatch.setattr(pdf, "_system_cjk_font", lambda: False)
    row = _queued(db, october)
    runner.run_queued(engine, settings, row.id)
    db.expire_all()
    row = db.get(Bulletin, row.id)
    assert (row.status, row.sha256) == ("failed", None) and "中文字体" in row.error


def test_the_cells_misses_are_split_by_source(db, settings, october):
    """漏报 in the summary and the scope: supervision's own finds and citizens' reports (群众反映) each apart. A
    bulletin made before the split was counted still opens, without the sentence."""
    dispatcher = db.exec(select(User).where(User.username == "dispatcher")).one()
    Story(db, dispatcher, C2, local(10, 21), source="citizen").dispatch(local(10, 21), "zjj", local(10, 22, 17))
    db.commit()
    found = _gather(db, settings)
    totals = indicators_service.indicators(db, settings, period=periods.parse("2026-10"), by="bureau",
                                           now=AFTER).totals
    assert (totals.missed, totals.citizen_reports) == (totals.supervision_finds + 1, 1)
    lines = {f.label: f.value for f in found.summary}
    assert (lines["网格漏报"], lines["其中督察暗访发现"], lines["其中群众反映"]) == (
        totals.missed, totals.supervision_finds, 1)
    assert (found.scope.supervision_finds, found.scope.citizen_reports) == (totals.supervision_finds, 1)
    row = Bulletin(kind="monthly", period="2026-10", status="done", version=1)
    page = runner.render(row, found, settings, for_print=False)
    assert f"其中督察暗访发现 {totals.supervision_finds} 件、群众反映 1 件，计网格漏报" in page
    stored = found.model_dump(mode="json")
    for field in ("supervision_finds", "citizen_reports"):
        del stored["scope"][field]
    older = BulletinContent.model_validate(stored)
    assert "计网格漏报" not in runner.render(row, older, settings, for_print=False)
