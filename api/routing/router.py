from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from api.accounts.deps import CONFIGURERS, ConfigurerUser, require_roles
from api.accounts.models import Role, User
from api.bureaus.models import Bureau
from api.database import SessionDep, utcnow
from api.errors import error_responses
from api.grid.models import GridCell
from api.inputs import RowId
from api.reference_data import reference
from api.routing import service
from api.routing.models import (
    DryRunRequest,
    DryRunResult,
    RoutingRulePublic,
    RoutingRuleWrite,
    RuleOrder,
    RulesPreview,
    RulesPreviewRequest,
)

router = APIRouter(prefix="/api/v1/routing", tags=["routing"])

# Supervision reads the rules to judge a disputed routing; only configurers change them.
RuleReader = Annotated[User, Depends(require_roles(*CONFIGURERS, Role.supervisor))]


@router.get("/rules", response_model=list[RoutingRulePublic])
def list_rules(session: SessionDep, _user: RuleReader):
    return service.ordered_rules(session)


@router.post("/rules", response_model=RoutingRulePublic, status_code=status.HTTP_201_CREATED)
def create_rule(data: RoutingRuleWrite, session: SessionDep, user: ConfigurerUser):
    return service.create_rule(session, data, by=user.username)


@router.post("/rules/preview", response_model=RulesPreview)
def preview_rules(data: RulesPreviewRequest, request: Request, session: SessionDep, _user: ConfigurerUser):
    """Which of the latest 200 routed tickets the proposed ordered list would send to another bureau than the
    saved rules do, and the rule that would fire. Nothing is saved."""
    return service.preview(session, data.rules, tz=request.app.state.settings.tz)


# Declared before /rules/{rule_id}, which would take "order" for an id.
@router.put("/rules/order", response_model=list[RoutingRulePublic], responses=error_responses(409))
def reorder_rules(data: RuleOrder, session: SessionDep, user: ConfigurerUser):
    return service.reorder(session, data.rule_ids, by=user.username)


@router.get("/rules/{rule_id}", response_model=RoutingRulePublic)
def get_rule(rule_id: RowId, session: SessionDep, _user: RuleReader):
    return service.get_rule(session, rule_id)


@router.put("/rules/{rule_id}", response_model=RoutingRulePublic)
def replace_rule(rule_id: RowId, data: RoutingRuleWrite, session: SessionDep, user: ConfigurerUser):
    return service.replace_rule(session, service.get_rule(session, rule_id), data, by=user.username)


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(rule_id: RowId, session: SessionDep, user: ConfigurerUser):
    service.delete_rule(session, service.get_rule(session, rule_id), by=user.username)


@router.post("/dry-run", response_model=DryRunResult)
def dry_run(data: DryRunRequest, request: Request, session: SessionDep, _user: RuleReader):
    """Explain where a hypothetical ticket would go: the cell found, the rule that fired, and why
    every earlier rule did not."""
    settings = request.app.state.settings
    cell_code = data.cell_code
    if cell_code is None and data.lat is not None:
        cell_code = request.app.state.grid_index.get(session).locate(data.lon, data.lat)
    at = data.at or utcnow()
    if at.tzinfo is None:
        at = at.replace(tzinfo=settings.tz)
    decision = service.decide(session, category_code=data.category, point_type=data.point_type,
                              cell_code=cell_code, at=at, tz=settings.tz)
    cell = session.get(GridCell, cell_code) if cell_code else None
    bureau = session.get(Bureau, decision.bureau_code) if decision.bureau_code else None
    deadline = None
    if decision.bureau_code:  # as completion sets it, with `at` for the moment of dispatch
        ref = reference(session)
        category = ref.categories[data.category]
        deadline = ref.calendar(settings.tz, settings.working_hours).deadline(
            at, category.deadline_value, category.deadline_unit).astimezone(settings.tz)
    return DryRunResult(cell_code=cell_code, cell_name=cell.name if cell else None,
                        bureau_name=bureau.name if bureau else None, at=at.astimezone(settings.tz),
                        deadline_at=deadline, **asdict(decision))
