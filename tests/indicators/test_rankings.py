"""The composite score, grades, ranks and the red and black lists, on a hand-built September and October 2026, and
the ranking's settings in the county configuration."""

from collections import Counter
from datetime import UTC, datetime

import pytest

from api.county import config_doc
from api.errors import ApiError
from api.indicators import periods, scoring, service
from api.indicators.models import RankingConfig, ScoreWeights
from tests.factories import login
from tests.indicators.history import C1, C2, C3, Story, county, local

CELLS = {"zhzf": C1, "jjdd": C1, "zjj": C2, "sjj": C3}
AFTER = datetime(2026, 12, 15, tzinfo=UTC)


def due(db, users, bureau: str, month: int, day: int, outcome: str = "on_time") -> Story:
    """A ticket due at 17:00 on the day: rectified that morning (`on_time`, `flagged`: its evidence carried
    flags), the next working day (`late`), or never (`open`)."""
    story = Story(db, users["insp1"], CELLS[bureau], local(month, day)).dispatch(
        local(month, day), bureau, local(month, day, 17)).accept(local(month, day, 9, 30))
    if outcome == "open":
        return story
    rectified = local(month, day + 3 if outcome == "late" else day, 10)
    return story.rectify(rectified).verify(rectified.replace(hour=15),
                                           flags=("edited_by_software",) if outcome == "flagged" else ())


@pytest.fixture
def history(db):
    users = county(db)
    # September: 交警大队 all on time (100), 住建局 one late (87.5), 综合执法局 two still open (60).
    for day in (14, 15, 16, 17, 18):
        due(db, users, "jjdd", 9, day)
    for day, outcome in ((14, "on_time"), (15, "on_time"), (16, "on_time"), (17, "on_time"), (18, "late")):
        due(db, users, "zjj", 9, day, outcome)
    for day, outcome in ((14, "on_time"), (15, "on_time"), (16, "on_time"), (17, "open"), (18, "open")):
        due(db, users, "zhzf", 9, day, outcome)
    # October: 综合执法局 all on time (100), 住建局 one closure on flagged evidence (99), 交警大队 one late and one
    # open of six (72.9), 市监局 one ticket on time: listed, not ranked.
    for day in (12, 13, 14, 15, 16):
        due(db, users, "zhzf", 10, day)
    for day, outcome in ((12, "on_time"), (13, "on_time"), (14, "on_time"), (15, "on_time"), (16, "flagged")):
        due(db, users, "zjj", 10, day, outcome)
    for day, outcome in ((12, "on_time"), (13, "on_time"), (14, "on_time"), (15, "on_time"), (16, "late"),
                         (20, "open")):
        due(db, users, "jjdd", 10, day, outcome)
    due(db, users, "sjj", 10, 12)
    db.commit()
    return users


def test_scores_ranks_and_the_red_and_black_lists(db, settings, history):
    service.put_ranking_config(db, RankingConfig(red=1, black=1), by="test")
    found = service.rankings(db, settings, period=periods.parse("2026-10"), now=AFTER)
    assert found.previous_period.label == "2026-09"
    table = [(u.bureau_code, u.score, u.grade, u.rank, u.previous_rank, u.rank_change, u.red, u.black)
             for u in found.units]
    assert table == [
        ("zhzf", 100.0, "A", 1, 3, 2, True, False),
        ("zjj", 99.0, "A", 2, 2, 0, False, False),  # 100 less 1 for the flagged closure
        # on time 4/6, closed 5/6: 100 × (50 × 0.6667 + 30 × 0.8333) / 80
        ("jjdd", 72.9, "C", 3, 1, -2, False, True),
        ("sjj", 100.0, "A", None, None, None, False, False),  # one ticket due: under the minimum of 5
    ]
    assert (found.red, found.black) == (["zhzf"], ["jjdd"])
    jjdd = found.units[2].figures
    assert (jjdd.due, jjdd.closed, jjdd.on_time, jjdd.on_time_rate, jjdd.closure_rate) == (6, 5, 4, 0.6667, 0.8333)
    assert [u.ranked for u in found.units] == [True, True, True, False]


def test_the_defaults_list_three_and_three_never_one_unit_on_both(db, settings, history):
    found = service.rankings(db, settings, period=periods.parse("2026-10"), now=AFTER)
    assert found.settings == RankingConfig()
    assert (found.red, found.black) == (["zhzf", "zjj", "jjdd"], [])


def test_a_lower_minimum_ranks_the_small_unit(db, settings, history):
    service.put_ranking_config(db, RankingConfig(min_due=1), by="test")
    found = service.rankings(db, settings, period=periods.parse("2026-10"), now=AFTER)
    assert [(u.bureau_code, u.rank) for u in found.units] == [("sjj", 1), ("zhzf", 1), ("zjj", 3), ("jjdd", 4)]


def test_weights_change_the_score(db, settings, history):
    weights = ScoreWeights(on_time_rate=0, closure_rate=100, spotcheck_pass_rate=0, flagged_closures=10)
    service.put_ranking_config(db, RankingConfig(weights=weights), by="test")
    units = {u.bureau_code: u for u in service.rankings(db, settings, period=periods.parse("2026-10"),
                                                        now=AFTER).units}
    assert (units["zjj"].score, units["jjdd"].score) == (90.0, 83.3)


def test_the_first_period_has_no_change_in_rank(db, settings, history):
    found = service.rankings(db, settings, period=periods.parse("2000-01"), now=AFTER)
    assert found.previous_period is None
    assert all(u.rank is None and u.rank_change is None for u in found.units)


def test_score_on_a_county_bulletins_figures():
    # 应结案 972, 结案 911 (93.72 %), 按期 737 (75.82 %): 100 × (50 × 0.7582 + 30 × 0.9372) / 80
    figures = service.figures_public(Counter(due=972, closed=911, on_time=737), None)
    assert (figures.closure_rate, figures.on_time_rate) == (0.9372, 0.7582)
    assert scoring.score(figures, ScoreWeights()) == 82.5
    assert scoring.grade(82.5) == "B"
    # With 48 of 50 spot checks passed (0.96), a rework rate of 47 / 900 (0.0522) and two false closures:
    # 100 × (50 × 0.7582 + 30 × 0.9372 + 20 × 0.96) / 100 − 20 × 0.0522 − 0.5 × 2 = 85.226 − 1.044 − 1
    reworked = service.figures_public(Counter(due=972, closed=911, on_time=737, rectifications=900,
                                              verification_fails=45, spotcheck_fails=2, spotcheck_passes=48), None)
    assert scoring.score(reworked, ScoreWeights()) == 83.2
    assert scoring.score(service.figures_public(Counter(), None), ScoreWeights()) is None


@pytest.mark.parametrize(("value", "letter"), [(100, "A"), (90, "A"), (89.9, "B"), (75, "B"), (74.9, "C"),
                                               (60, "C"), (59.9, "D"), (0, "D"), (None, None)])
def test_grades(value, letter):
    assert scoring.grade(value) == letter


def test_equal_scores_share_a_place():
    assert scoring.ranks({"a": 90.0, "b": 90.0, "c": 80.0, "d": 95.0}) == {"d": 1, "a": 2, "b": 2, "c": 4}
    assert scoring.red_and_black(["a", "b", "c", "d"], 3, 3) == (["a", "b", "c"], ["d"])
    assert scoring.red_and_black(["a", "b"], 0, 5) == ([], ["b", "a"])


def test_the_ranking_settings_travel_with_the_county_configuration(db, history):
    exported = config_doc.export_config(db)
    assert exported["ranking"] == RankingConfig().model_dump(mode="json")
    exported["ranking"] = {"weights": {"on_time_rate": 60, "closure_rate": 40, "spotcheck_pass_rate": 0},
                           "min_due": 3, "red": 5, "black": 2}
    assert config_doc.import_config(db, exported, by="test")["ranking"] == 1
    again = config_doc.export_config(db)["ranking"]
    assert again["weights"]["on_time_rate"] == 60 and again["weights"]["rework_rate"] == 20
    assert (again["min_due"], again["red"], again["black"]) == (3, 5, 2)
    assert config_doc.import_config(db, {"version": 1}, by="test")["ranking"] == 0  # absent: left as it is
    assert config_doc.export_config(db)["ranking"] == again


@pytest.mark.parametrize("ranking", [
    {"weights": {"on_time_rate": 0, "closure_rate": 0, "spotcheck_pass_rate": 0}},  # nothing to score
    {"weights": {"speed": 10}}, {"min_due": -1}, {"red": 101}, {"weights": {"rework_rate": -5}},
])
def test_bad_ranking_settings_are_refused(db, history, ranking):
    with pytest.raises(ApiError) as caught:
        config_doc.import_config(db, {"version": 1, "ranking": ranking}, by="test")
    assert caught.value.code == "config_invalid"


def test_the_ranking_through_the_api(client, history):
    body = client.get("/api/v1/rankings?period=2026-10", headers=login(client, "leader")).json()
    assert [(u["bureau_code"], u["rank"], u["red"], u["black"]) for u in body["units"]] == [
        ("zhzf", 1, True, False), ("zjj", 2, True, False), ("jjdd", 3, True, False), ("sjj", None, False, False)]
    assert body["period"]["label"] == "2026-10" and body["previous_period"]["label"] == "2026-09"
    own = client.get("/api/v1/rankings?period=2026-10", headers=login(client, "jjdd1")).json()
    assert [u["bureau_code"] for u in own["units"]] == ["jjdd"] and own["red"] == ["jjdd"] and own["black"] == []
    assert client.get("/api/v1/rankings?period=2026-10", headers=login(client, "insp1")).status_code == 403
    refused = client.get("/api/v1/rankings?period=2026-10-99", headers=login(client, "leader"))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_period"
    assert client.get("/api/v1/rankings", headers=login(client, "leader")).status_code == 422
