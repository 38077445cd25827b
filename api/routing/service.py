from datetime import datetime

from sqlmodel import Session, select

from api.audit import service as audit
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.county.reference import reference
from api.database import utcnow
from api.errors import ApiError, not_found
from api.routing import engine
from api.routing.models import RoutingRule, RoutingRuleWrite


def ordered_rules(session: Session) -> list[RoutingRule]:
    return list(session.exec(select(RoutingRule).order_by(RoutingRule.position)))


def _validate(session: Session, data: RoutingRuleWrite) -> None:
    problems = []
    known_categories = set(session.exec(select(Category.code)).all())
    known_types = set(session.exec(select(PointType.code)).all())
    problems += [f"category {c}" for c in data.category_codes if c not in known_categories]
    problems += [f"point type {p}" for p in data.point_type_codes if p not in known_types]
    problems += [f"cell prefix {p}" for p in data.cell_prefixes if not (p.isdigit() and len(p) in (6, 9, 12, 14, 15))]
    if data.bureau_code and session.get(Bureau, data.bureau_code) is None:
        problems.append(f"bureau {data.bureau_code}")
    if problems:
        raise ApiError(422, "rule_invalid", "规则引用了不存在的类别、点位类型、区域或单位",
                       "the rule names unknown categories, point types, areas or bureaus", {"unknown": problems})


def _renumber(session: Session, rules: list[RoutingRule]) -> None:
    # Positions are unique: park them out of the way first, then write the final order.
    for i, rule in enumerate(rules):
        rule.position = -(i + 1)
        session.add(rule)
    session.flush()
    for i, rule in enumerate(rules):
        rule.position = i + 1
    session.flush()


def create_rule(session: Session, data: RoutingRuleWrite, *, by: str) -> RoutingRule:
    _validate(session, data)
    rules = ordered_rules(session)
    rule = RoutingRule(**data.model_dump(exclude={"position"}), position=len(rules) + 1, updated_by=by)
    session.add(rule)
    session.flush()
    where = min(data.position or len(rules) + 1, len(rules) + 1) - 1
    rules.insert(where, rule)
    _renumber(session, rules)
    audit.record(session, actor=by, entity="routing_rule", key=str(rule.id), action="create", after=_audited(rule))
    return rule


def _audited(rule: RoutingRule) -> dict:
    return rule.model_dump(exclude={"id", "updated_at", "updated_by"})


def replace_rule(session: Session, rule: RoutingRule, data: RoutingRuleWrite, *, by: str) -> RoutingRule:
    _validate(session, data)
    before = _audited(rule)
    for key, value in data.model_dump(exclude={"position"}).items():
        setattr(rule, key, value)
    rule.updated_at, rule.updated_by = utcnow(), by
    rules = [r for r in ordered_rules(session) if r.id != rule.id]
    where = min(data.position or rule.position, len(rules) + 1) - 1
    rules.insert(where, rule)
    _renumber(session, rules)
    audit.record(session, actor=by, entity="routing_rule", key=str(rule.id), action="update", before=before,
                 after=_audited(rule))
    return rule


def delete_rule(session: Session, rule: RoutingRule, *, by: str) -> None:
    audit.record(session, actor=by, entity="routing_rule", key=str(rule.id), action="delete", before=_audited(rule))
    session.delete(rule)
    session.flush()
    _renumber(session, ordered_rules(session))


def get_rule(session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise not_found("派遣规则", "Routing rule", rule_id)
    return rule


def decide(session: Session, *, category_code: str, point_type: str | None, cell_code: str | None,
           at: datetime, tz) -> engine.Decision:
    """Gather the facts (the cached reference data) and ask the pure engine."""
    ref = reference(session)
    category = ref.categories.get(category_code)
    if category is None:
        raise ApiError(422, "unknown_category", f"问题类别 {category_code} 不存在", f"unknown category {category_code}")
    if point_type is not None and point_type not in ref.point_types:
        raise ApiError(422, "unknown_point_type", f"点位类型 {point_type} 不存在", f"unknown point type {point_type}")
    cell = ref.cells.get(cell_code) if cell_code else None
    if cell_code and cell is None:
        raise ApiError(422, "unknown_cell", f"网格 {cell_code} 不存在", f"unknown cell {cell_code}")
    return engine.route(
        ref.rules,
        category=engine.CategoryFacts(category.code, category.name, category.default_bureau_code),
        point_type=point_type,
        cell=cell,
        local_time=at.astimezone(tz),
        bureau_names=ref.bureau_names,
    )
