"""A county's setup as one document (YAML or JSON): bureaus, point types, categories, routing rules,
calendar overrides, the checklists by point type, the ranking's weights, and public reporting (the public
categories and the citizens' settings), so it can be reviewed, versioned and loaded into another instance.

Webhook URLs are left out of exports (they carry robot keys); an import keeps existing ones
unless the document names them.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel import Session, col, delete, select

from api.audit import service as audit
from api.bureaus.models import Bureau, BureauCreate
from api.catalog import service as catalog_service
from api.catalog.models import CategoryWrite, PointTypeWrite
from api.citizens import service as citizens_service
from api.citizens.models import CitizenSettingsWrite, PublicCategoryList, PublicCategoryWrite
from api.errors import ApiError
from api.indicators import service as indicators_service
from api.indicators.models import RankingConfig
from api.keypoints import service as keypoints_service
from api.keypoints.models import ChecklistItem, ChecklistWrite
from api.routing import service as routing_service
from api.routing.models import RoutingRule, RoutingRuleWrite
from api.workcalendar.models import CalendarOverride, CalendarOverrideWrite

FORMAT_VERSION = 1


class ChecklistDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    point_type: str
    items: list[ChecklistItem]


class CountyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = FORMAT_VERSION
    bureaus: list[BureauCreate] = []
    point_types: list[PointTypeWrite] = []
    categories: list[CategoryWrite] = []
    routing_rules: list[RoutingRuleWrite] = []
    calendar_overrides: list[CalendarOverrideWrite] = []
    checklists: list[ChecklistDoc] = []
    ranking: RankingConfig | None = None  # left as it is when absent
    public_categories: list[PublicCategoryWrite] | None = None  # replaced when present, else left as it is
    citizen_settings: CitizenSettingsWrite | None = None  # left as it is when absent


class ImportCounts(BaseModel):
    """How many of each the document held (all of them upserted; the routing rules replaced)."""
    bureaus: int
    point_types: int
    categories: int
    routing_rules: int
    calendar_overrides: int
    checklists: int
    ranking: int
    public_categories: int
    citizen_settings: int


def export_config(session: Session) -> dict[str, Any]:
    rule_fields = set(RoutingRuleWrite.model_fields) - {"position"}
    return {
        "version": FORMAT_VERSION,
        "bureaus": [b.model_dump(mode="json", exclude={"webhook_url"})
                    for b in session.exec(select(Bureau).order_by(Bureau.code))],
        "point_types": [p.model_dump(mode="json") for p in catalog_service.list_point_types(session)],
        "categories": [c.model_dump(mode="json") for c in catalog_service.list_categories(session)],
        "routing_rules": [r.model_dump(mode="json", include=rule_fields)
                          for r in routing_service.ordered_rules(session)],
        "calendar_overrides": [o.model_dump(mode="json") for o in
                               session.exec(select(CalendarOverride).order_by(col(CalendarOverride.day)))],
        "checklists": [{"point_type": c.point_type, "items": [i.model_dump() for i in c.items]}
                       for c in keypoints_service.current_checklists(session)],
        "ranking": indicators_service.ranking_config(session).model_dump(mode="json"),
        "public_categories": [{"category_code": c["code"], "public_name": c["name"], "public_name_en": c["name_en"]}
                              for c in citizens_service.public_categories(session)],
        "citizen_settings": CitizenSettingsWrite.model_validate(citizens_service.settings_of(session),
                                                                from_attributes=True).model_dump(mode="json"),
    }


def parse_config(document: Any) -> CountyConfig:
    try:
        config = CountyConfig.model_validate(document)
    except ValidationError as exc:
        raise ApiError(422, "config_invalid", "配置文件校验失败", "the configuration document is invalid",
                       [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]) from exc
    if config.version != FORMAT_VERSION:
        raise ApiError(422, "config_version", f"不支持的配置版本 {config.version}",
                       f"unsupported configuration version {config.version}")
    return config


def import_config(session: Session, document: Any, *, by: str) -> dict[str, int]:
    """Upsert bureaus, point types, categories and overrides; replace the routing rules in the
    document's order. One transaction: any error leaves the county as it was."""
    config = parse_config(document)
    for data in config.bureaus:
        bureau = session.get(Bureau, data.code) or Bureau(code=data.code, name=data.name)
        for key, value in data.model_dump(exclude_unset=True).items():
            setattr(bureau, key, value)
        session.add(bureau)
    session.flush()
    for point_type in config.point_types:
        catalog_service.upsert_point_type(session, point_type, by=by)
    for category in config.categories:
        catalog_service.upsert_category(session, category, by=by)
    session.exec(delete(RoutingRule))
    session.flush()
    for rule in config.routing_rules:
        routing_service.create_rule(session, rule.model_copy(update={"position": None}), by=by)
    for override in config.calendar_overrides:
        row = session.get(CalendarOverride, override.day) or CalendarOverride(day=override.day,
                                                                              is_workday=override.is_workday)
        row.is_workday, row.note = override.is_workday, override.note
        session.add(row)
    session.flush()
    for checklist in config.checklists:  # a changed list becomes its next version
        keypoints_service.put_checklist(session, checklist.point_type, ChecklistWrite(items=checklist.items), by=by)
    if config.ranking is not None:
        indicators_service.put_ranking_config(session, config.ranking, by=by)
    if config.public_categories is not None:  # after the categories it may name
        citizens_service.set_public_categories(session, PublicCategoryList(categories=config.public_categories))
    if config.citizen_settings is not None:
        citizens_service.set_settings(session, config.citizen_settings, by)
    counts = {"bureaus": len(config.bureaus), "point_types": len(config.point_types),
              "categories": len(config.categories), "routing_rules": len(config.routing_rules),
              "calendar_overrides": len(config.calendar_overrides), "checklists": len(config.checklists),
              "ranking": int(config.ranking is not None),
              "public_categories": len(config.public_categories or []),
              "citizen_settings": int(config.citizen_settings is not None)}
    audit.record(session, actor=by, entity="county", key="config", action="import", after=counts)
    return counts
