"""The authorization matrix: every endpoint × every role, including another bureau's objects.

Allowed calls must succeed (2xx); denied ones get 403 (or 404 where existence is private);
anonymous calls get 401. A new endpoint fails `test_matrix_covers_every_endpoint` until added here.
"""

import base64
import hashlib
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlmodel import select

from api.accounts import service as account_service
from api.accounts.models import Role
from api.bureaus.models import Bureau
from api.database import utcnow
from api.notifications.models import Notification
from api.spotchecks.models import SpotCheck, SpotCheckDraw
from tests.bulletins.helpers import make_bulletin
from tests.citizens.helpers import report_body
from tests.exports.helpers import make_export
from tests.factories import (
    capture_body,
    make_bureau,
    make_category,
    make_cell,
    make_checklist,
    make_key_point,
    make_point_type,
    make_rule,
    make_user,
    patrol_body,
    photo_bytes,
    submit,
)

CELL = "330790001001001"
ALL = {"inspector", "bureau", "other_bureau", "dispatcher", "supervisor", "ledger", "leader", "admin"}
CONFIGURERS = {"dispatcher", "admin"}
STAFF = {"dispatcher", "supervisor", "ledger", "leader", "admin"}
BULLETIN_AUTHORS = {"dispatcher", "leader", "admin"}
EXPORTERS = {"ledger", "dispatcher", "leader", "admin", "bureau", "other_bureau"}
_counter = itertools.count(1)


@dataclass
class Case:
    method: str
    template: str  # the route as declared, for the coverage check
    allowed: set[str]
    request: Callable  # (world, actor) -> (path, kwargs)
    denied_status: tuple[int, ...] = (403,)
    allowed_status: int | None = None  # None: any 2xx


def _fixed(path, **kwargs):
    return lambda world, actor: (path, kwargs)


def _new_rule_path(world, actor):
    rule = make_rule(world.db, position=100 + next(_counter), name="临时规则", category_codes=["0506"],
                     bureau_code="zhzf")
    world.db.commit()
    return f"/api/v1/routing/rules/{rule.id}", {}


def _override_path(world, actor):
    world.client.put("/api/v1/calendar/overrides/2027-02-08", headers=world.headers["admin"],
                     json={"day": "2027-02-08", "is_workday": False, "note": "春节"})
    return "/api/v1/calendar/overrides/2027-02-08", {}


def _bulletin(world, suffix, published=False):
    """A fresh generated bulletin of October (published, if asked), and the path to it."""
    row = make_bulletin(world.db, world.settings, world.users["dispatcher"], published=published)
    return f"/api/v1/bulletins/{row.id}{suffix}", {}


def _export(world, actor, suffix="", *, own=False):
    """A finished export, made by the caller (`own`) or by the dispatcher, and the path to it."""
    row, _ = make_export(world.db, world.settings, world.users[actor if own and actor else "dispatcher"])
    return f"/api/v1/exports/{row.id}{suffix}", {}


def _feed(world, actor):
    """A feed's URL with its token; the anonymous call comes without one."""
    _, token = make_export(world.db, world.settings, world.users["ledger"], feed=True)
    return "/api/v1/exports/feed.csv" + (f"?token={token}" if actor else ""), {}


def _rule_body(position=None):
    return {"name": "测试规则", "category_codes": ["0506"], "bureau_code": "zhzf", "position": position}


def _rule_order(world, actor):
    """Every rule as it stands (other cases add some), last first."""
    rules = world.client.get("/api/v1/routing/rules", headers=world.headers["admin"]).json()
    return "/api/v1/routing/rules/order", {"json": {"rule_ids": [r["id"] for r in reversed(rules)]}}


def _category_order(world, actor):
    """Every category as it stands (another case may add one), last first."""
    categories = world.client.get("/api/v1/categories?include_inactive=true", headers=world.headers["admin"]).json()
    return "/api/v1/categories/order", {"json": {"codes": [c["code"] for c in reversed(categories)]}}


def _grid_doc():
    ring = [[120.0, 28.9], [120.01, 28.9], [120.01, 28.91], [120.0, 28.91], [120.0, 28.9]]
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                          "properties": {"code": CELL, "name": "重新导入"}}]}


# Ticket actions: who may take each one on the world's ticket (dispatched to zhzf, reported by the inspector in
# their own cell), the steps that bring a fresh ticket to where it applies, and a well-formed body.
ACTION_ALLOWED = {
    "accept": {"bureau"}, "return": {"bureau"}, "reassign": {"dispatcher", "admin"}, "rectify": {"bureau"},
    "verify": {"inspector", "supervisor"}, "cancel": {"dispatcher", "admin"}, "escalate": {"supervisor"},
    "request_extension": {"bureau"}, "decide_extension": {"dispatcher", "admin"}, "request_park": {"bureau"},
    "decide_park": {"dispatcher", "admin"}, "park": {"dispatcher", "admin"}, "unpark": {"dispatcher", "admin"},
}
ACTION_STEPS = {"rectify": [("accept", "bureau")], "verify": [("accept", "bureau"), ("rectify", "bureau")],
                "decide_extension": [("request_extension", "bureau")], "decide_park": [("request_park", "bureau")],
                "unpark": [("park", "dispatcher")]}
ACTION_BODIES = {
    "accept": {}, "return": {"reason": "非本单位职责"}, "reassign": {"reason": "改派", "bureau_code": "jjdd"},
    "rectify": {"note": "已清理"}, "verify": {"result": "fail", "note": "未整改"}, "cancel": {"reason": "重复上报"},
    "escalate": {"note": "督办"}, "request_extension": {"hours": 8, "reason": "需协调施工队"},
    "decide_extension": {"approve": True}, "request_park": {"reason": "需列入预算"}, "decide_park": {"approve": False},
    "park": {"reason": "需列入预算"}, "unpark": {"note": "恢复办理"},
}


def _action_request(action):
    """Allowed callers act on a fresh ticket where the action applies; the others are refused on the world's
    ticket before its state matters."""
    def request(world, actor):
        allowed = actor in ACTION_ALLOWED[action]
        ticket_id = world.ticket_ready_for(action) if allowed else world.ticket_id
        return (f"/api/v1/tickets/{ticket_id}/actions/{action}",
                {"json": world.action_body(action, ticket_id, upload=allowed)})
    return request


CASES = [
    Case("GET", "/api/v1/me", ALL, _fixed("/api/v1/me")),
    Case("GET", "/api/v1/auth/tokens", ALL, _fixed("/api/v1/auth/tokens")),
    Case("GET", "/api/v1/auth/tokens", {"admin"},
         lambda w, a: (f"/api/v1/auth/tokens?user_id={w.victim.id}", {})),
    Case("DELETE", "/api/v1/auth/tokens/{token_id}", {"admin"},
         lambda w, a: (f"/api/v1/auth/tokens/{w.victim_token()}", {}), denied_status=(404,)),
    Case("POST", "/api/v1/auth/logout", ALL, _fixed("/api/v1/auth/logout")),
    Case("GET", "/api/v1/users", {"admin"}, _fixed("/api/v1/users")),
    Case("POST", "/api/v1/users", {"admin"}, lambda w, a: ("/api/v1/users", {"json": {
        "username": f"new{next(_counter)}", "role": "inspector", "password": "long-enough-1"}})),
    Case("PATCH", "/api/v1/users/{user_id}", {"admin"},
         lambda w, a: (f"/api/v1/users/{w.users['ledger'].id}", {"json": {"display_name": "台账"}})),
    Case("POST", "/api/v1/users/{user_id}/revoke-tokens", {"admin"},
         lambda w, a: (f"/api/v1/users/{w.victim.id}/revoke-tokens", {})),
    Case("POST", "/api/v1/users/{user_id}/reset-password", {"admin"},
         lambda w, a: (f"/api/v1/users/{w.victim.id}/reset-password", {})),
    Case("GET", "/api/v1/users/import-template", {"admin"}, _fixed("/api/v1/users/import-template?format=csv")),
    Case("POST", "/api/v1/users/import", {"admin"}, lambda w, a: ("/api/v1/users/import?format=csv", {
        "content": f"username,role\nnew{next(_counter)},leader\n".encode(), "headers": {"Content-Type": "text/csv"}})),
    Case("GET", "/api/v1/audit", {"admin"}, _fixed("/api/v1/audit?entity=user")),
    Case("GET", "/api/v1/bureaus", ALL, _fixed("/api/v1/bureaus")),
    Case("POST", "/api/v1/bureaus", CONFIGURERS, lambda w, a: ("/api/v1/bureaus", {"json": {
        "code": f"b{next(_counter)}", "name": "新单位"}})),
    Case("GET", "/api/v1/bureaus/{code}", STAFF | {"bureau"}, _fixed("/api/v1/bureaus/zhzf")),
    Case("PATCH", "/api/v1/bureaus/{code}", CONFIGURERS | {"bureau"},
         _fixed("/api/v1/bureaus/zhzf", json={"contact_phone": "0579-1234"})),
    Case("PATCH", "/api/v1/bureaus/{code}", CONFIGURERS, _fixed("/api/v1/bureaus/zhzf", json={"name": "城管局"})),
    Case("POST", "/api/v1/bureaus/{code}/test-webhook", {"admin"}, _fixed("/api/v1/bureaus/robot/test-webhook")),
    Case("GET", "/api/v1/categories", ALL, _fixed("/api/v1/categories")),
    Case("PUT", "/api/v1/categories/{code}", CONFIGURERS, _fixed("/api/v1/categories/0506", json={
        "code": "0506", "name": "人行道乱停车", "name_en": "parking on the sidewalk", "family": "街面秩序",
        "default_bureau_code": "zhzf", "deadline_value": 2, "deadline_unit": "wh"})),
    Case("GET", "/api/v1/point-types", ALL, _fixed("/api/v1/point-types")),
    Case("PUT", "/api/v1/point-types/{code}", CONFIGURERS,
         _fixed("/api/v1/point-types/night_market", json={"code": "night_market", "name": "夜市",
                                                         "name_en": "night market"})),
    Case("GET", "/api/v1/grid/locate", ALL, _fixed("/api/v1/grid/locate?lat=28.905&lon=120.005")),
    Case("GET", "/api/v1/grid/cells", ALL, _fixed("/api/v1/grid/cells")),
    Case("GET", "/api/v1/grid/cells/{code}", ALL, _fixed(f"/api/v1/grid/cells/{CELL}")),
    Case("POST", "/api/v1/grid/import", CONFIGURERS, _fixed("/api/v1/grid/import", json=_grid_doc())),
    Case("POST", "/api/v1/grid/import/preview", CONFIGURERS, _fixed("/api/v1/grid/import/preview", json=_grid_doc())),
    Case("GET", "/api/v1/grid/map", ALL, _fixed("/api/v1/grid/map")),
    Case("GET", "/api/v1/indicators/overview", STAFF, _fixed("/api/v1/indicators/overview")),
    # A unit's liaison reads its own unit's row, by unit only.
    Case("GET", "/api/v1/indicators", STAFF | {"bureau", "other_bureau"}, _fixed("/api/v1/indicators?period=2026-11")),
    Case("GET", "/api/v1/indicators", STAFF, _fixed("/api/v1/indicators?period=2026-W48&by=cell")),
    Case("GET", "/api/v1/rankings", STAFF | {"bureau", "other_bureau"}, _fixed("/api/v1/rankings?period=2026-11")),
    Case("GET", "/api/v1/indicators/trend", STAFF | {"bureau", "other_bureau"},
         _fixed("/api/v1/indicators/trend?step=week&count=2")),
    Case("GET", "/api/v1/indicators/trend", STAFF | {"bureau"}, _fixed("/api/v1/indicators/trend?count=2&bureau=zhzf")),
    Case("GET", "/api/v1/dispatch-sheet", STAFF | {"bureau", "other_bureau"}, _fixed("/api/v1/dispatch-sheet")),
    Case("GET", "/api/v1/routing/rules", CONFIGURERS | {"supervisor"}, _fixed("/api/v1/routing/rules")),
    Case("POST", "/api/v1/routing/rules", CONFIGURERS, _fixed("/api/v1/routing/rules", json=_rule_body())),
    Case("GET", "/api/v1/routing/rules/{rule_id}", CONFIGURERS | {"supervisor"},
         lambda w, a: (f"/api/v1/routing/rules/{w.rule_id}", {})),
    Case("PUT", "/api/v1/routing/rules/{rule_id}", CONFIGURERS,
         lambda w, a: (f"/api/v1/routing/rules/{w.rule_id}", {"json": _rule_body(1)})),
    Case("DELETE", "/api/v1/routing/rules/{rule_id}", CONFIGURERS, _new_rule_path),
    Case("POST", "/api/v1/routing/rules/preview", CONFIGURERS, _fixed("/api/v1/routing/rules/preview", json={
        "rules": [{"name": "测试规则", "category_codes": ["0506"], "bureau_code": "jjdd"}]})),
    Case("PUT", "/api/v1/routing/rules/order", CONFIGURERS, _rule_order),
    Case("PUT", "/api/v1/categories/order", CONFIGURERS, _category_order),
    Case("POST", "/api/v1/routing/dry-run", CONFIGURERS | {"supervisor"},
         _fixed("/api/v1/routing/dry-run", json={"category": "0506", "lat": 28.905, "lon": 120.005})),
    Case("GET", "/api/v1/calendar/overrides", ALL, _fixed("/api/v1/calendar/overrides")),
    Case("PUT", "/api/v1/calendar/overrides/{day}", CONFIGURERS, _fixed(
        "/api/v1/calendar/overrides/2027-02-06", json={"day": "2027-02-06", "is_workday": True, "note": "调休"})),
    Case("DELETE", "/api/v1/calendar/overrides/{day}", CONFIGURERS, _override_path),
    Case("GET", "/api/v1/config/export", CONFIGURERS, _fixed("/api/v1/config/export")),
    Case("GET", "/api/v1/config/export.yaml", CONFIGURERS, _fixed("/api/v1/config/export.yaml")),
    Case("PUT", "/api/v1/tickets/{ticket_id}", {"inspector", "supervisor"},
         lambda w, a: (f"/api/v1/tickets/{uuid.uuid4()}", {"json": capture_body([photo_bytes()], lat=28.905,
                                                                                 lon=120.005)})),
    Case("GET", "/api/v1/tickets/{ticket_id}", STAFF | {"inspector", "bureau"},
         lambda w, a: (f"/api/v1/tickets/{w.ticket_id}", {}), denied_status=(404,)),
    Case("GET", "/api/v1/tickets/{ticket_id}/events", STAFF | {"inspector", "bureau"},
         lambda w, a: (f"/api/v1/tickets/{w.ticket_id}/events", {}), denied_status=(404,)),
    Case("GET", "/api/v1/tickets", ALL, _fixed("/api/v1/tickets")),
    Case("GET", "/api/v1/queues/bureau", {"bureau", "other_bureau"} | STAFF,
         _fixed("/api/v1/queues/bureau?bureau=zhzf")),
    Case("GET", "/api/v1/queues/dispatcher", CONFIGURERS, _fixed("/api/v1/queues/dispatcher")),
    Case("GET", "/api/v1/notifications", ALL, _fixed("/api/v1/notifications")),
    Case("POST", "/api/v1/notifications/{notification_id}/read", {"bureau"},
         lambda w, a: (f"/api/v1/notifications/{w.notification_id}/read", {}), denied_status=(404,)),
    Case("POST", "/api/v1/spotchecks/draws", {"supervisor", "admin"}, _fixed("/api/v1/spotchecks/draws", json={
        "closed_from": "2026-01-01T00:00:00+08:00", "closed_to": "2026-02-01T00:00:00+08:00", "rate": 0.1})),
    Case("GET", "/api/v1/spotchecks/draws/{draw_id}", STAFF,
         lambda w, a: (f"/api/v1/spotchecks/draws/{w.draw_id}", {})),
    Case("GET", "/api/v1/spotchecks", STAFF, _fixed("/api/v1/spotchecks?status=open")),
    # Allowed callers get past authorization to the photo check (no spot-check photo was uploaded).
    Case("POST", "/api/v1/spotchecks/{task_id}/result", {"supervisor", "admin"},
         lambda w, a: (f"/api/v1/spotchecks/{w.task_id}/result", {"json": {
             "action_id": str(uuid.uuid4()), "result": "pass", "photo_ids": [str(uuid.uuid4())]}}),
         allowed_status=422),
    Case("GET", "/api/v1/queues/verification", {"inspector", "supervisor"}, _fixed("/api/v1/queues/verification")),
    *[Case("POST", f"/api/v1/tickets/{{ticket_id}}/actions/{action}", allowed, _action_request(action),
           denied_status=(403, 404)) for action, allowed in ACTION_ALLOWED.items()],
    Case("PUT", "/api/v1/tickets/{ticket_id}/photos/{photo_id}", {"inspector"}, lambda w, a: w.pending_upload(),
         denied_status=(404,)),
    Case("GET", "/api/v1/photos/{photo_id}/{variant}", STAFF | {"inspector", "bureau"},
         lambda w, a: (f"/api/v1/photos/{w.photo_id}/thumb", {}), denied_status=(404,)),
    Case("GET", "/api/v1/photos/{photo_id}/{variant}", {"inspector", "dispatcher", "supervisor", "ledger", "admin"},
         lambda w, a: (f"/api/v1/photos/{w.photo_id}/original", {}), denied_status=(403, 404)),
    Case("POST", "/api/v1/config/import", CONFIGURERS, _fixed("/api/v1/config/import", json={"version": 1})),
    Case("POST", "/api/v1/config/import/preview", CONFIGURERS, _fixed("/api/v1/config/import/preview",
         content=b"version: 1\n", headers={"Content-Type": "application/yaml"})),
    Case("GET", "/api/v1/key-points", ALL, _fixed("/api/v1/key-points")),
    Case("POST", "/api/v1/key-points", CONFIGURERS, lambda w, a: ("/api/v1/key-points", {"json": {
        "name": f"点位{next(_counter)}", "point_type": "main_road", "lat": 28.905, "lon": 120.004}})),
    Case("PATCH", "/api/v1/key-points/{point_id}", CONFIGURERS,
         lambda w, a: (f"/api/v1/key-points/{w.point_id}", {"json": {"camera_no": "QX-1"}})),
    Case("POST", "/api/v1/key-points/import", CONFIGURERS, lambda w, a: ("/api/v1/key-points/import?format=csv", {
        "content": f"name,point_type,lat,lon\n导入{next(_counter)},main_road,28.905,120.006\n".encode(),
        "headers": {"Content-Type": "text/csv"}})),
    Case("GET", "/api/v1/checklists", ALL, _fixed("/api/v1/checklists")),
    Case("GET", "/api/v1/checklists/{point_type}", ALL, _fixed("/api/v1/checklists/main_road")),
    Case("PUT", "/api/v1/checklists/{point_type}", CONFIGURERS, _fixed("/api/v1/checklists/main_road", json={
        "items": [{"code": "A1", "text": "人行道无乱停车", "category": "0506"}]})),
    Case("PUT", "/api/v1/patrols/{patrol_id}", {"inspector"},
         lambda w, a: (f"/api/v1/patrols/{uuid.uuid4()}", {"json": w.patrol_body()})),
    # The point's unit may read its patrols; another unit gets a 404, as for tickets.
    Case("GET", "/api/v1/patrols/{patrol_id}", STAFF | {"inspector", "bureau"},
         lambda w, a: (f"/api/v1/patrols/{w.patrol_id}", {}), denied_status=(404,)),
    Case("PUT", "/api/v1/patrols/{patrol_id}/photos/{photo_id}", {"inspector"}, lambda w, a: w.patrol_photo_upload()),
    Case("GET", "/api/v1/patrols/due", {"inspector"}, _fixed("/api/v1/patrols/due")),
    Case("GET", "/api/v1/coverage", STAFF | {"bureau", "other_bureau"},
         _fixed("/api/v1/coverage?from=2026-12-01&to=2026-12-07&by=cell")),
    Case("GET", "/api/v1/key-points/readiness", STAFF | {"bureau", "other_bureau"},
         _fixed("/api/v1/key-points/readiness")),
    Case("GET", "/api/v1/map/tickets", ALL, _fixed("/api/v1/map/tickets")),
    Case("GET", "/api/v1/map/hotspots", STAFF, _fixed("/api/v1/map/hotspots?days=30")),
    Case("POST", "/api/v1/notifications/read-all", ALL, _fixed("/api/v1/notifications/read-all")),
    # Bulletins: the office, leaders and admins make and publish them; a unit's liaison reads published ones only.
    Case("POST", "/api/v1/bulletins", BULLETIN_AUTHORS,
         _fixed("/api/v1/bulletins", json={"kind": "monthly", "period": "2026-11"}), allowed_status=202),
    Case("GET", "/api/v1/bulletins", STAFF | {"bureau", "other_bureau"}, _fixed("/api/v1/bulletins")),
    Case("GET", "/api/v1/bulletins/{bulletin_id}", STAFF, lambda w, a: _bulletin(w, ""), denied_status=(403, 404)),
    Case("GET", "/api/v1/bulletins/{bulletin_id}", STAFF | {"bureau", "other_bureau"},
         lambda w, a: _bulletin(w, "", published=True)),
    Case("GET", "/api/v1/bulletins/{bulletin_id}.pdf", STAFF | {"bureau", "other_bureau"},
         lambda w, a: _bulletin(w, ".pdf", published=True)),
    Case("GET", "/api/v1/bulletins/{bulletin_id}.html", STAFF, lambda w, a: _bulletin(w, ".html"),
         denied_status=(403, 404)),
    Case("POST", "/api/v1/bulletins/{bulletin_id}/publish", BULLETIN_AUTHORS, lambda w, a: _bulletin(w, "/publish")),
    Case("POST", "/api/v1/bulletins/{bulletin_id}/regenerate", BULLETIN_AUTHORS,
         lambda w, a: _bulletin(w, "/regenerate"), allowed_status=202),
    Case("DELETE", "/api/v1/bulletins/{bulletin_id}", BULLETIN_AUTHORS, lambda w, a: _bulletin(w, "")),
    Case("POST", "/api/v1/exports", EXPORTERS, _fixed("/api/v1/exports", json={"format": "csv"}), allowed_status=202),
    Case("POST", "/api/v1/exports/preview", EXPORTERS, _fixed("/api/v1/exports/preview", json={"bureau": "zhzf"})),
    Case("GET", "/api/v1/exports", EXPORTERS, _fixed("/api/v1/exports")),
    # Staff read any export; a unit's liaison its own only.
    Case("GET", "/api/v1/exports/{export_id}", EXPORTERS - {"bureau", "other_bureau"}, lambda w, a: _export(w, a),
         denied_status=(403, 404)),
    Case("GET", "/api/v1/exports/{export_id}", EXPORTERS, lambda w, a: _export(w, a, own=True)),
    Case("GET", "/api/v1/exports/{export_id}/file", EXPORTERS - {"bureau", "other_bureau"},
         lambda w, a: _export(w, a, "/file"), denied_status=(403, 404)),
    Case("GET", "/api/v1/exports/{export_id}/file", EXPORTERS, lambda w, a: _export(w, a, "/file", own=True)),
    Case("DELETE", "/api/v1/exports/{export_id}", {"dispatcher", "admin"}, lambda w, a: _export(w, a),
         denied_status=(403, 404)),
    Case("DELETE", "/api/v1/exports/{export_id}", EXPORTERS, lambda w, a: _export(w, a, own=True)),
    # The feed's token is its credential, whoever presents it.
    Case("GET", "/api/v1/exports/feed.csv", ALL, _feed),
    # Citizens' reports: the county's public list and the review queue (审核) are the dispatcher's.
    Case("GET", "/api/v1/public-categories", CONFIGURERS, _fixed("/api/v1/public-categories")),
    Case("PUT", "/api/v1/public-categories", CONFIGURERS, _fixed("/api/v1/public-categories", json={"categories": [
        {"category_code": "0506", "public_name": "乱停车", "public_name_en": "Bad parking"}]})),
    Case("GET", "/api/v1/citizen-reports", CONFIGURERS, _fixed("/api/v1/citizen-reports?status=received")),
    Case("POST", "/api/v1/citizen-reports/{report_id}/accept", CONFIGURERS,
         lambda w, a: (f"/api/v1/citizen-reports/{w.citizen_report()[0]}/accept", {"json": {}})),
    Case("POST", "/api/v1/citizen-reports/{report_id}/merge", CONFIGURERS,
         lambda w, a: (f"/api/v1/citizen-reports/{w.citizen_report()[0]}/merge", {"json": {"ticket_id": w.ticket_id}})),
    Case("POST", "/api/v1/citizen-reports/{report_id}/reject", CONFIGURERS,
         lambda w, a: (f"/api/v1/citizen-reports/{w.citizen_report()[0]}/reject", {"json": {"reason": "非问题"}})),
    Case("GET", "/api/v1/citizen-reports/{report_id}/photos/{photo_id}/{variant}", CONFIGURERS,
         lambda w, a: ("/api/v1/citizen-reports/{0}/photos/{1}/original".format(*w.citizen_report()[:2]), {})),
    # Who reviews is no secret from staff: the app shows them the tab by it.
    Case("GET", "/api/v1/citizen-reports/reviewer", ALL, _fixed("/api/v1/citizen-reports/reviewer")),
    # The county's settings of public reporting and Open311's keys are the admin's.
    Case("GET", "/api/v1/citizen-settings", {"admin"}, _fixed("/api/v1/citizen-settings")),
    Case("PUT", "/api/v1/citizen-settings", {"admin"}, _fixed("/api/v1/citizen-settings", json={
        "reviewer_role": "dispatcher", "per_device_hourly": 10, "per_address_hourly": 30,
        "open311_sources": ["citizen"], "location_decimals": 3, "jurisdiction_id": None})),
    Case("GET", "/api/v1/open311/keys", {"admin"}, _fixed("/api/v1/open311/keys")),
    Case("POST", "/api/v1/open311/keys", {"admin"}, _fixed("/api/v1/open311/keys", json={"system": "12345 热线平台"})),
    Case("POST", "/api/v1/open311/keys/{key_id}/revoke", {"admin"},
         lambda w, a: (f"/api/v1/open311/keys/{w.open311_key()[0]}/revoke", {})),
]

# No account at all: residents' reports and the status of their own (a tracking code is its credential).
PUBLIC_CASES = [
    Case("GET", "/api/v1/public/categories", ALL, _fixed("/api/v1/public/categories")),
    Case("GET", "/api/v1/public/map", ALL, _fixed("/api/v1/public/map")),
    Case("PUT", "/api/v1/public/reports/{report_id}", ALL, lambda w, a: (
        f"/api/v1/public/reports/{uuid.uuid4()}", {"json": w.citizen_body([photo_bytes()])})),
    Case("PUT", "/api/v1/public/reports/{report_id}/photos/{photo_id}", ALL,
         lambda w, a: w.citizen_report(upload=False)[3]),
    Case("GET", "/api/v1/public/reports/{tracking_code}", ALL,
         lambda w, a: (f"/api/v1/public/reports/{w.citizen_report()[2]}", {})),
    Case("GET", "/api/v1/public/reports/{tracking_code}/photos/{photo_id}", ALL, lambda w, a: (w.fixed_report(), {})),
    # Open311: reads need nothing; posts need a key (the system's credential, whoever presents it).
    Case("GET", "/open311/v2/services.{format}", ALL, lambda w, a: (w.open311_ready("/services.xml"), {})),
    Case("GET", "/open311/v2/services/{service_code}.{format}", ALL,
         lambda w, a: (w.open311_ready("/services/0506.json"), {})),
    Case("GET", "/open311/v2/requests.{format}", ALL, lambda w, a: (w.open311_ready("/requests.json"), {})),
    Case("POST", "/open311/v2/requests.{format}", ALL, lambda w, a: (w.open311_ready("/requests.xml"), {
        "data": {"api_key": w.open311_key()[1], "service_code": "0506", "lat": "28.905", "long": "120.005"}})),
    Case("GET", "/open311/v2/requests/{service_request_id}.{format}", ALL,
         lambda w, a: (f"/open311/v2/requests/{w.open311_request()[0]}.json", {})),
    Case("PUT", "/open311/v2/requests/{service_request_id}/media.{format}", ALL, lambda w, a: w.open311_media()),
    Case("GET", "/open311/v2/tokens/{token}.{format}", ALL,
         lambda w, a: (f"/open311/v2/tokens/{w.open311_request()[1]}.xml", {})),
]


class World:
    def __init__(self, db, client, settings):
        self.db, self.client = db, client
        make_bureau(db, "zhzf", "综合执法局")
        make_bureau(db, "jjdd", "交警大队")
        make_bureau(db, "robot", "机器人单位", webhook_url="http://127.0.0.1:9/robot")  # nothing listens there
        make_cell(db, CELL, responsible="zhzf")
        make_category(db, "0506", default_bureau_code="zhzf")
        make_point_type(db)
        self.rule_id = make_rule(db, 1, "人行道乱停车", category_codes=["0506"], bureau_code="zhzf").id
        self.users = {
            "inspector": make_user(db, "insp", Role.inspector, cells=(CELL,)),
            "bureau": make_user(db, "zhzf1", Role.bureau, bureau_code="zhzf"),
            "other_bureau": make_user(db, "jjdd1", Role.bureau, bureau_code="jjdd"),
            **{role: make_user(db, role, Role(role)) for role in
               ("dispatcher", "supervisor", "ledger", "leader", "admin")},
        }
        self.victim = make_user(db, "victim", Role.inspector)
        self.settings = settings
        self.headers = {actor: self.fresh_headers(actor) for actor in self.users}
        db.commit()
        self.ticket_id, ticket = submit(client, self.headers["inspector"], [photo_bytes()], lat=28.905, lon=120.005)
        assert ticket["bureau_code"] == "zhzf"
        self.photo_id = ticket["photos"][0]["id"]
        self.notification_id = db.exec(select(Notification.id).where(
            Notification.user_id == self.users["bureau"].id)).first()
        draw = SpotCheckDraw(seed=1, closed_from=utcnow(), closed_to=utcnow(), rate=0.1, min_per_bureau=1,
                             drawn_by=self.users["supervisor"].id)
        db.add(draw)
        db.commit()
        self.draw_id = draw.id
        task = SpotCheck(draw_id=draw.id, ticket_id=uuid.UUID(self.ticket_id), bureau_code="zhzf")
        db.add(task)
        db.commit()
        self.task_id = task.id
        point = make_key_point(db, bureau_code="zhzf", cell_code=CELL)
        make_checklist(db)
        db.commit()
        self.point = point
        self.point_id = point.id
        self.patrol_id = uuid.uuid4()
        response = client.put(f"/api/v1/patrols/{self.patrol_id}", json=self.patrol_body(),
                              headers=self.headers["inspector"])
        assert response.status_code == 201, response.text

    def patrol_body(self):
        return patrol_body(self.point, photos=[photo_bytes()])

    def patrol_photo_upload(self):
        """A fresh patrol of the inspector's, and its overview photo to upload."""
        body = self.patrol_body()
        patrol_id = uuid.uuid4()
        assert self.client.put(f"/api/v1/patrols/{patrol_id}", json=body,
                               headers=self.headers["inspector"]).status_code == 201
        return (f"/api/v1/patrols/{patrol_id}/photos/{body['photos'][0]['id']}",
                {"content": photo_bytes(), "headers": {"Content-Type": "image/jpeg"}})

    def pending_upload(self):
        """A fresh incomplete ticket of the inspector's, and one of its photos to upload."""
        data = photo_bytes("Canon_40D.jpg")
        body = capture_body([data], lat=28.905, lon=120.005)
        ticket_id = uuid.uuid4()
        assert self.client.put(f"/api/v1/tickets/{ticket_id}", json=body,
                               headers=self.headers["inspector"]).status_code == 201
        return (f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}",
                {"content": data, "headers": {"Content-Type": "image/jpeg"}})

    def after_photo(self, ticket_id):
        """The handling bureau's after-photo (整改照片) for the ticket; returns its id."""
        data, photo_id = photo_bytes("orientation_landscape_1.jpg"), str(uuid.uuid4())
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        response = self.client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}?kind=after", content=data,
                                   headers={**self.headers["bureau"], "Content-Type": "image/jpeg",
                                            "Content-Digest": f"sha-256=:{digest}:"})
        assert response.status_code == 201, response.text
        return photo_id

    def action_body(self, action, ticket_id, *, upload):
        """A well-formed body; rectify's photo is uploaded for the ticket when `upload`, else made up."""
        body = {"action_id": str(uuid.uuid4()), **ACTION_BODIES[action]}
        if action == "rectify":
            body["photo_ids"] = [self.after_photo(ticket_id) if upload else str(uuid.uuid4())]
        return body

    def public_list(self):
        self.client.put("/api/v1/public-categories", headers=self.headers["admin"], json={"categories": [
            {"category_code": "0506", "public_name": "乱停车", "public_name_en": "Bad parking"}]})

    def citizen_body(self, photos):
        self.public_list()
        return report_body(photos, device_id=None)

    def citizen_report(self, *, upload=True):
        """A resident's fresh report: its id, its photo's id, its tracking code and the photo's upload (done
        unless not `upload`)."""
        data, report_id = photo_bytes(), str(uuid.uuid4())
        body = self.citizen_body([data])
        receipt = self.client.put(f"/api/v1/public/reports/{report_id}", json=body).json()
        photo_id = body["photos"][0]["id"]
        upload_call = (f"/api/v1/public/reports/{report_id}/photos/{photo_id}",
                       {"content": data, "headers": {"Content-Type": "image/jpeg"}})
        if upload:
            assert self.client.put(upload_call[0], **upload_call[1]).status_code == 201
        return report_id, photo_id, receipt["tracking_code"], upload_call

    def fixed_report(self):
        """The URL of the after-photo a resident sees once the unit has fixed what they reported."""
        report_id, _, code, _ = self.citizen_report()
        ticket_id = self.client.post(f"/api/v1/citizen-reports/{report_id}/accept", headers=self.headers["admin"],
                                     json={}).json()["ticket_id"]
        for step in ("accept", "rectify"):
            response = self.client.post(f"/api/v1/tickets/{ticket_id}/actions/{step}", headers=self.headers["bureau"],
                                        json=self.action_body(step, ticket_id, upload=True))
            assert response.status_code == 200, response.text
        return self.client.get(f"/api/v1/public/reports/{code}").json()["after_photos"][0]

    def open311_key(self):
        """A fresh key for a system: its id and the key itself."""
        issued = self.client.post("/api/v1/open311/keys", headers=self.headers["admin"],
                                  json={"system": f"平台 {next(_counter)}"}).json()
        return issued["id"], issued["api_key"]

    def open311_ready(self, path):
        """The public list set (Open311's services), and the path under /open311/v2."""
        self.public_list()
        return f"/open311/v2{path}"

    def open311_request(self):
        """A request posted through Open311 with a fresh key: its id, its token and the key."""
        key = self.open311_key()[1]
        created = self.client.post(self.open311_ready("/requests.json"), data={
            "api_key": key, "service_code": "0506", "lat": "28.905", "long": "120.005"})
        assert created.status_code == 200, created.text
        return created.json()[0]["service_request_id"], created.json()[0]["token"], key

    def open311_media(self):
        """The photo of a fresh Open311 request, to send with the key that posted it."""
        request_id, _, key = self.open311_request()
        return (f"/open311/v2/requests/{request_id}/media.json",
                {"params": {"api_key": key}, "content": photo_bytes(), "headers": {"Content-Type": "image/jpeg"}})

    def ticket_ready_for(self, action):
        """A fresh ticket of the inspector's, dispatched to zhzf and taken to where `action` applies."""
        ticket_id, _ = submit(self.client, self.headers["inspector"], [photo_bytes()], lat=28.905, lon=120.005)
        for step, actor in ACTION_STEPS.get(action, []):
            response = self.client.post(f"/api/v1/tickets/{ticket_id}/actions/{step}", headers=self.headers[actor],
                                        json=self.action_body(step, ticket_id, upload=True))
            assert response.status_code == 200, response.text
        return ticket_id

    def fresh_headers(self, actor):
        token, _ = account_service.issue_token(self.db, self.settings, self.users[actor], device=False)
        self.db.commit()
        return {"Authorization": f"Bearer {token}"}

    def victim_token(self):
        _, row = account_service.issue_token(self.db, self.settings, self.victim, device=True)
        self.db.commit()
        return row.id


@pytest.fixture
def world(db, client, settings):
    return World(db, client, settings)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.template} → {','.join(sorted(c.allowed))}")
def test_endpoint_by_role(world, case):
    for actor in sorted(ALL):
        headers = world.fresh_headers(actor)  # logout revokes, so each call gets its own token
        path, kwargs = case.request(world, actor)
        kwargs = {**kwargs, "headers": {**kwargs.get("headers", {}), **headers}}
        response = world.client.request(case.method, path, **kwargs)
        if actor in case.allowed:
            expected = (case.allowed_status,) if case.allowed_status else range(200, 300)
            assert response.status_code in expected, (actor, response.status_code, response.text)
        else:
            assert response.status_code in case.denied_status, (actor, response.status_code, response.text)
            assert response.json()["error"]["code"] in ("forbidden", "not_found")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.template}")
def test_anonymous_is_refused(world, case):
    path, kwargs = case.request(world, None)
    response = world.client.request(case.method, path, **kwargs)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: f"{c.method} {c.template}")
def test_public_endpoint_needs_no_account(world, case):
    for actor in [None, *sorted(ALL)]:
        path, kwargs = case.request(world, actor)
        headers = {**kwargs.get("headers", {}), **(world.fresh_headers(actor) if actor else {})}
        response = world.client.request(case.method, path, **{**kwargs, "headers": headers})
        assert 200 <= response.status_code < 300, (actor, response.status_code, response.text)


def test_matrix_covers_every_endpoint(app):
    declared = {(method.upper(), path) for path, operations in app.openapi()["paths"].items()
                if path.startswith(("/api/", "/open311/")) and path != "/api/v1/auth/token" for method in operations}
    covered = {(case.method, case.template) for case in CASES + PUBLIC_CASES}
    assert declared == covered


def test_other_bureau_cannot_read_or_change_a_bureau(world):
    headers = world.headers["other_bureau"]
    assert world.client.get("/api/v1/bureaus/zhzf", headers=headers).status_code == 403
    response = world.client.patch("/api/v1/bureaus/zhzf", headers=headers,
                                  json={"webhook_url": "https://evil.example/hook"})
    assert response.status_code == 403
    world.db.expire_all()
    assert world.db.get(Bureau, "zhzf").webhook_url is None


def test_bureau_list_hides_webhook_urls(world):
    world.client.patch("/api/v1/bureaus/zhzf", headers=world.headers["bureau"],
                       json={"webhook_url": "https://qyapi.example/send?key=secret"})
    listed = world.client.get("/api/v1/bureaus", headers=world.headers["inspector"]).json()
    assert all("webhook_url" not in b for b in listed)
    own = world.client.get("/api/v1/bureaus/zhzf", headers=world.headers["bureau"]).json()
    assert own["webhook_url"] == "https://qyapi.example/send?key=secret"
    assert [liaison["username"] for liaison in own["liaisons"]] == ["zhzf1"]
