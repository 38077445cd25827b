"""The routing engine: a pure function from a ticket's facts to a bureau, with the reason why.

Order (docs/domain.md §4): the ordered rules, first match wins; then the category's default bureau;
then the cell's responsibility unit; then the dispatcher's queue (no bureau).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal

Source = Literal["rule", "category_default", "cell_unit", "dispatcher"]


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    category_codes: tuple[str, ...] = ()
    point_type_codes: tuple[str, ...] = ()
    cell_prefixes: tuple[str, ...] = ()
    time_from: time | None = None
    time_to: time | None = None
    weekdays: str | None = None
    target_kind: str = "bureau"
    bureau_code: str | None = None


@dataclass(frozen=True)
class CategoryFacts:
    code: str
    name: str
    default_bureau_code: str | None


@dataclass(frozen=True)
class CellFacts:
    code: str
    name: str
    responsible_bureau_code: str | None


@dataclass(frozen=True)
class Step:
    rule_id: int
    matched: bool
    why: str
    why_en: str


@dataclass(frozen=True)
class Decision:
    bureau_code: str | None
    source: Source
    rule_id: int | None
    reason: str
    reason_en: str
    trace: list[Step] = field(default_factory=list)


def _in_window(rule: Rule, local: datetime) -> bool:
    if rule.weekdays and str(local.isoweekday()) not in rule.weekdays:
        return False
    if rule.time_from is None or rule.time_to is None:
        return True
    t = local.time()
    if rule.time_from < rule.time_to:
        return rule.time_from <= t < rule.time_to
    return t >= rule.time_from or t < rule.time_to  # window wraps midnight


def _mismatch(rule: Rule, category: str, point_type: str | None, cell: CellFacts | None,
              local: datetime) -> tuple[str, str] | None:
    """Why a rule does not match, or None when it does."""
    if rule.category_codes and category not in rule.category_codes:
        return f"类别 {category} 不在规则范围内", f"category {category} not covered"
    if rule.point_type_codes and point_type not in rule.point_type_codes:
        return f"点位类型 {point_type or '未填'} 不符", f"point type {point_type or 'none'} not covered"
    if rule.cell_prefixes and (cell is None or not cell.code.startswith(rule.cell_prefixes)):
        where = cell.name if cell else "网格外"
        return f"网格 {where} 不在规则区域内", f"cell {cell.name if cell else 'none'} outside the rule's area"
    if not _in_window(rule, local):
        return (f"时间 星期{local.isoweekday()} {local:%H:%M} 不在规则时段内",
                f"time {local:%a %H:%M} outside the rule's window")
    if rule.target_kind == "cell_unit" and (cell is None or not cell.responsible_bureau_code):
        return "网格无责任单位", "the cell has no responsibility unit"
    return None


def route(rules: Sequence[Rule], *, category: CategoryFacts, point_type: str | None,
          cell: CellFacts | None, local_time: datetime, bureau_names: Mapping[str, str]) -> Decision:
    """Route one ticket. `rules` are the enabled rules in order; `local_time` is in the county's zone;
    `bureau_names` holds the active bureaus (a rule pointing at an inactive bureau is skipped)."""

    def name(code: str) -> str:
        return bureau_names.get(code, code)

    trace: list[Step] = []
    for rule in rules:
        why = _mismatch(rule, category.code, point_type, cell, local_time)
        unit_of = cell if rule.target_kind == "cell_unit" else None  # the cell whose responsibility unit it names
        target = unit_of.responsible_bureau_code if unit_of else rule.bureau_code
        if why is None and target is not None and target in bureau_names:
            trace.append(Step(rule.id, True, "匹配", "matched"))
            # Names, as people read them: units and cells by name, never by code.
            via = f"（{unit_of.name}责任单位）" if unit_of else ""
            via_en = f" (responsibility unit of {unit_of.name})" if unit_of else ""
            return Decision(target, "rule", rule.id, f"规则 #{rule.id}: {rule.name} → {name(target)}{via}",
                            f"rule #{rule.id}: {rule.name} → {name(target)}{via_en}", trace)
        why = why or (f"目标单位 {target} 已停用", f"target bureau {target} is inactive")
        trace.append(Step(rule.id, False, *why))

    if (code := category.default_bureau_code) is not None and code in bureau_names:
        return Decision(code, "category_default", None,
                        f"无规则匹配，按类别默认: {category.code} {category.name} → {name(code)}",
                        f"no rule matched; category default: {category.name} → {name(code)}",
                        trace)
    if cell is not None and (code := cell.responsible_bureau_code) is not None and code in bureau_names:
        return Decision(code, "cell_unit", None,
                        f"无规则匹配，交网格责任单位: {cell.name} → {name(code)}",
                        f"no rule matched; responsibility unit of {cell.name} → {name(code)}", trace)
    return Decision(None, "dispatcher", None,
                    "无规则匹配且无责任单位，转创建办人工派遣",
                    "no rule matched and no responsibility unit: left to the dispatcher", trace)
