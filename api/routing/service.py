from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from api.audit import service as audit
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.database import stored_id, utcnow
from api.errors import ApiError, not_found
from api.reference_data import Reference, reference
from api.routing import engine
from api.routing.models import (
    PreviewDecision,
    ProposedRule,
    Rerouted,
    RoutingRule,
    RoutingRuleWrite,
    RulesPreview,
)
from api.tickets.models import Ticket

PREVIEW_TICKETS = 200


def ordered_rules(session: Session) -> list[RoutingRule]:
    return list(session.exec(select(RoutingRule).order_by(col(RoutingRule.position))))


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


def reorder(session: Session, rule_ids: list[int], *, by: str) -> list[RoutingRule]:
    """Put the saved rules in the order of `rule_ids`, which must name each of them once."""
    rules = ordered_rules(session)
    if sorted(rule_ids) != sorted(stored_id(r.id) for r in rules):
        raise ApiError(409, "rules_changed", "派遣规则已被修改，请刷新后重新排序",
                       "the routing rules have changed since they were read: reload and reorder",
                       {"rule_ids": [r.id for r in rules]})
    by_id = {r.id: r for r in rules}
    ordered = [by_id[rule_id] for rule_id in rule_ids]
    moved = [(rule, rule.position, place) for place, rule in enumerate(ordered, 1) if rule.position != place]
    now = utcnow()
    for rule, _, _ in moved:
        rule.updated_at, rule.updated_by = now, by
    _renumber(session, ordered)
    for rule, before, after in moved:
        audit.record(session, actor=by, entity="routing_rule", key=str(rule.id), action="update",
                     before={"position": before}, after={"position": after})
    return ordered


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
    if category_code not in ref.categories:
        raise ApiError(422, "unknown_category", f"问题类别 {category_code} 不存在", f"unknown category {category_code}")
    if point_type is not None and point_type not in ref.point_types:
        raise ApiError(422, "unknown_point_type", f"点位类型 {point_type} 不存在", f"unknown point type {point_type}")
    if cell_code and cell_code not in ref.cells:
        raise ApiError(422, "unknown_cell", f"网格 {cell_code} 不存在", f"unknown cell {cell_code}")
    return _route(ref, ref.rules, category_code=category_code, point_type=point_type, cell_code=cell_code, at=at,
                  tz=tz)


def _route(ref: Reference, rules: list[engine.Rule], *, category_code: str, point_type: str | None,
           cell_code: str | None, at: datetime, tz: ZoneInfo) -> engine.Decision:
    category = ref.categories[category_code]
    return engine.route(
        rules,
        category=engine.CategoryFacts(category.code, category.name, category.default_bureau_code),
        point_type=point_type,
        cell=ref.cells.get(cell_code) if cell_code else None,
        local_time=at.astimezone(tz),
        bureau_names=ref.bureau_names,
    )


def preview(session: Session, proposed: list[ProposedRule], *, tz: ZoneInfo) -> RulesPreview:
    """Route the latest routed tickets again, by the saved rules and by the proposed list, with the engine that
    routes a capture: the tickets whose bureau would change. Both sides are decided now (the saved rules as
    they stand, not the decision stored on the ticket), so the difference is the edit's alone."""
    saved = {rule.id: rule for rule in ordered_rules(session)}
    named = [rule.id for rule in proposed if rule.id is not None]
    unknown = sorted({rule_id for rule_id in named if rule_id not in saved})
    if unknown or len(set(named)) != len(named):
        raise ApiError(422, "rule_ids_invalid", "规则列表中的规则不存在或重复", "the list names unknown or repeated rules",
                       {"unknown": unknown})
    for rule in proposed:
        _validate(session, rule)
    ref = reference(session)
    enabled = [(place, rule) for place, rule in enumerate(proposed, 1) if rule.is_enabled]
    proposed_rules = [rule.as_engine_rule(rule.id or 0) for _, rule in enabled]

    def current(decision: engine.Decision) -> PreviewDecision:
        rule = saved.get(decision.rule_id) if decision.source == "rule" else None
        return _shown(ref, decision, rule.id if rule else None, rule.position if rule else None,
                      rule.name if rule else None)

    def proposal(decision: engine.Decision) -> PreviewDecision:
        if decision.source != "rule":
            return _shown(ref, decision, None, None, None)
        place, rule = enabled[len(decision.trace) - 1]  # the engine stops at the rule that fired
        return _shown(ref, decision, rule.id, place, rule.name)

    tickets = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel's select is typed for at most four columns
               Ticket.id, Ticket.category_code, Ticket.point_type_code, Ticket.cell_code, Ticket.captured_at)
        .where(col(Ticket.completed_at).is_not(None))
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc()).limit(PREVIEW_TICKETS)).all()
    changed = []
    for ticket_id, category_code, point_type, cell_code, captured_at in tickets:
        facts = {"category_code": category_code, "point_type": point_type, "cell_code": cell_code,
                 "at": captured_at, "tz": tz}
        before = _route(ref, ref.rules, **facts)
        after = _route(ref, proposed_rules, **facts)
        if before.bureau_code == after.bureau_code:
            continue
        category = ref.categories[category_code]
        cell = ref.cells.get(cell_code) if cell_code else None
        changed.append(Rerouted(ticket_id=ticket_id, number=str(ticket_id)[:8], captured_at=captured_at,
                                category_code=category_code, category_name=category.name,
                                category_name_en=category.name_en, cell_code=cell_code,
                                cell_name=cell.name if cell else None, current=current(before),
                                proposed=proposal(after)))
    return RulesPreview(checked=len(tickets), changed=changed)


def _shown(ref: Reference, decision: engine.Decision, rule_id: int | None, position: int | None,
           name: str | None) -> PreviewDecision:
    code = decision.bureau_code
    return PreviewDecision(bureau_code=code, bureau_name=ref.bureau_names.get(code) if code else None,
                           source=decision.source, rule_id=rule_id, rule_position=position, rule_name=name)
