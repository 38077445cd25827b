"""Every branch of the pure routing engine."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from api.routing.engine import CategoryFacts, CellFacts, Rule, route

TZ = ZoneInfo("Asia/Shanghai")
BUREAUS = {"jjdd": "交警大队", "zhzf": "综合执法局", "sjj": "市监局", "zjj": "住建局", "czj": "财政局",
           "jd001": "城中街道"}
SIDEWALK = CategoryFacts("0506", "人行道乱停车", "zhzf")
ROAD = CategoryFacts("0505", "机动车乱停放", "jjdd")
CLUTTER = CategoryFacts("0508", "乱堆物堆料", None)
CELL = CellFacts("330790001001001", "县前社区1号网格", "czj")
BARE_CELL = CellFacts("330790002001001", "西山社区1号网格", None)
SATURDAY_NOON = datetime(2026, 11, 21, 12, 0, tzinfo=TZ)


def decide(rules, category=SIDEWALK, point_type=None, cell=CELL, at=SATURDAY_NOON, bureaus=BUREAUS):
    return route(rules, category=category, point_type=point_type, cell=cell, local_time=at, bureau_names=bureaus)


def test_category_rule_fires_and_explains():
    rules = [Rule(1, "道路违停", category_codes=("0505",), bureau_code="jjdd"),
             Rule(12, "人行道乱停车", category_codes=("0506",), bureau_code="zhzf")]
    decision = decide(rules)
    assert (decision.bureau_code, decision.source, decision.rule_id) == ("zhzf", "rule", 12)
    assert decision.reason == "规则 #12: 人行道乱停车 → 综合执法局"
    assert [(s.rule_id, s.matched) for s in decision.trace] == [(1, False), (12, True)]
    assert "0506" in decision.trace[0].why


def test_first_matching_rule_wins():
    rules = [Rule(1, "a", category_codes=("0506",), bureau_code="jjdd"),
             Rule(2, "b", category_codes=("0506",), bureau_code="zhzf")]
    assert decide(rules).bureau_code == "jjdd"


def test_empty_match_lists_match_anything():
    assert decide([Rule(1, "兜底", bureau_code="sjj")]).bureau_code == "sjj"


def test_point_type():
    rules = [Rule(1, "市场", point_type_codes=("farmers_market",), bureau_code="sjj")]
    assert decide(rules, point_type="farmers_market").bureau_code == "sjj"
    missed = decide(rules, point_type="main_road")
    assert missed.source == "category_default" and "main_road" in missed.trace[0].why
    assert decide(rules, point_type=None).source == "category_default"


@pytest.mark.parametrize("prefixes, cell, fires", [
    (("330790001",), CELL, True),              # street prefix
    (("330790001001",), CELL, True),           # community prefix
    (("330790001001001",), CELL, True),        # the cell itself
    (("330790002",), CELL, False),             # another street
    (("330790002", "330790001"), CELL, True),  # any of several
    (("330790001",), None, False),             # outside the grid
])
def test_cell_prefix(prefixes, cell, fires):
    decision = decide([Rule(1, "区域", cell_prefixes=prefixes, bureau_code="jd001")], cell=cell)
    assert (decision.source == "rule") is fires


@pytest.mark.parametrize("start, end, at, fires", [
    (time(5), time(9), time(6, 30), True),
    (time(5), time(9), time(5), True),          # start is inclusive
    (time(5), time(9), time(9), False),         # end is exclusive
    (time(5), time(9), time(12), False),
    (time(18), time(2), time(23, 30), True),    # wraps midnight
    (time(18), time(2), time(1, 59), True),
    (time(18), time(2), time(2), False),
    (time(18), time(2), time(12), False),
])
def test_time_window(start, end, at, fires):
    rule = Rule(1, "时段", time_from=start, time_to=end, bureau_code="sjj")
    decision = decide([rule], at=datetime(2026, 11, 20, at.hour, at.minute, tzinfo=TZ))
    assert (decision.source == "rule") is fires


def test_weekdays():
    rule = Rule(1, "工作日", weekdays="12345", bureau_code="sjj")
    assert decide([rule], at=datetime(2026, 11, 20, 10, tzinfo=TZ)).source == "rule"       # Friday
    assert decide([rule], at=SATURDAY_NOON).source == "category_default"                    # Saturday


def test_cell_unit_target():
    rule = Rule(7, "网格内乱堆放", category_codes=("0508",), target_kind="cell_unit")
    decision = decide([rule], category=CLUTTER)
    assert (decision.bureau_code, decision.rule_id) == ("czj", 7)
    assert "财政局" in decision.reason and CELL.name in decision.reason and CELL.code not in decision.reason_en
    no_unit = decide([rule], category=CLUTTER, cell=BARE_CELL)
    assert no_unit.trace[0].matched is False and "责任单位" in no_unit.trace[0].why


def test_rule_to_an_inactive_bureau_is_skipped():
    rules = [Rule(1, "停用单位", category_codes=("0506",), bureau_code="gone"),
             Rule(2, "在用", category_codes=("0506",), bureau_code="zjj")]
    decision = decide(rules)
    assert decision.rule_id == 2 and "gone" in decision.trace[0].why


def test_fallback_category_default():
    decision = decide([], category=ROAD)
    assert (decision.bureau_code, decision.source, decision.rule_id) == ("jjdd", "category_default", None)
    assert "0505" in decision.reason


def test_fallback_cell_unit_when_category_has_no_default():
    decision = decide([], category=CLUTTER)
    assert (decision.bureau_code, decision.source) == ("czj", "cell_unit")
    assert CELL.name in decision.reason and CELL.code not in decision.reason


def test_fallback_cell_unit_when_default_bureau_is_inactive():
    bureaus = {k: v for k, v in BUREAUS.items() if k != "zhzf"}
    assert decide([], bureaus=bureaus).source == "cell_unit"


@pytest.mark.parametrize("cell", [BARE_CELL, None])
def test_fallback_dispatcher(cell):
    decision = decide([], category=CLUTTER, cell=cell)
    assert (decision.bureau_code, decision.source) == (None, "dispatcher")
    assert "创建办" in decision.reason and decision.reason_en
