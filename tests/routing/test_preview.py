"""The rules editor's dry run over recent tickets (POST /routing/rules/preview) and the rules' order
(PUT /routing/rules/order): the preview names exactly the tickets that the saved change then routes elsewhere,
decided by the engine a capture goes through."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from api.accounts.models import Role
from api.audit.models import AuditEntry
from api.routing import service as routing_service
from api.tickets.models import Ticket
from tests.factories import LAT0, LON0, login, make_bureau, make_category, make_cell, make_rule, make_user, square

TZ = ZoneInfo("Asia/Shanghai")
CELL_A = "330790001001001"  # 城中街道, responsibility unit 财政局
CELL_B = "330790002001001"  # 城西街道, responsibility unit 城西街道
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
SATURDAY = datetime(2026, 11, 21, 10, 0, tzinfo=TZ)


@pytest.fixture
def county(db):
    for code, name in (("zhzf", "综合执法局"), ("jjdd", "交警大队"), ("czj", "财政局"), ("jd002", "城西街道"),
                       ("zjj", "住建局")):
        make_bureau(db, code, name)
    make_cell(db, CELL_A, square(0, 0), responsible="czj")
    make_cell(db, CELL_B, square(1, 0), responsible="jd002")
    make_category(db, "0506")  # no default unit: without a rule, the cell's unit
    make_category(db, "0508", "乱堆物堆料")
    make_category(db, "0505", "机动车乱停放", default_bureau_code="jjdd")
    rules = [make_rule(db, 1, "人行道乱停车", category_codes=["0506"], bureau_code="zhzf"),
             make_rule(db, 2, "网格内乱堆放", category_codes=["0508"], target_kind="cell_unit"),
             make_rule(db, 3, "乱堆放交住建", category_codes=["0508"], bureau_code="zjj")]
    author = make_user(db, "insp", Role.inspector)
    make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    return rules, author


def routed(db, settings, author, category, cell, at, *, created=None):
    """A ticket as completion leaves it: located, routed by the saved rules, dispatched."""
    decision = routing_service.decide(db, category_code=category, point_type=None, cell_code=cell, at=at,
                                      tz=settings.tz)
    ticket_id = uuid.uuid4()
    ticket = Ticket(id=ticket_id, author_id=author.id, category_code=category, lat=LAT0 + 0.005, lon=LON0 + 0.005,
                    accuracy_m=5.0, located_at=at, captured_at=at, cell_code=cell, bureau_code=decision.bureau_code,
                    routing_rule_id=decision.rule_id, routing_source=decision.source,
                    request_sha256=ticket_id.hex * 2, created_at=created or at, completed_at=created or at,
                    status="dispatched" if decision.bureau_code else "reported")
    db.add(ticket)
    db.flush()
    return ticket


@pytest.fixture
def tickets(db, settings, county):
    _, author = county
    made = {"friday_a": routed(db, settings, author, "0506", CELL_A, FRIDAY),
            "friday_b": routed(db, settings, author, "0506", CELL_B, FRIDAY),
            "saturday_a": routed(db, settings, author, "0506", CELL_A, SATURDAY),
            "clutter_a": routed(db, settings, author, "0508", CELL_A, FRIDAY),
            "road_a": routed(db, settings, author, "0505", CELL_A, FRIDAY)}
    db.commit()
    return made


def _saved(client, headers):
    return [{k: v for k, v in r.items() if k not in ("position", "updated_at", "updated_by")}
            for r in client.get("/api/v1/routing/rules", headers=headers).json()]


def _preview(client, headers, rules):
    response = client.post("/api/v1/routing/rules/preview", headers=headers, json={"rules": rules})
    assert response.status_code == 200, response.text
    return response.json()


def _now_routed(db, settings, tickets):
    """Where each ticket would go now, asked of the service a capture asks."""
    db.rollback()  # a fresh transaction: what the API committed, and the reference data read again
    db.info.pop("reference", None)
    return {name: routing_service.decide(db, category_code=t.category_code, point_type=None, cell_code=t.cell_code,
                                         at=t.captured_at, tz=settings.tz).bureau_code for name, t in tickets.items()}


WEEKDAY_RULE = {"id": None, "name": "城中街道工作日人行道", "category_codes": ["0506"], "cell_prefixes": ["330790001"],
                "weekdays": "12345", "bureau_code": "jjdd"}


def test_a_new_rule_lists_exactly_the_tickets_saving_it_reroutes(client, db, settings, tickets):
    dispatcher = login(client, "dispatcher")
    saved = _saved(client, dispatcher)
    before = _now_routed(db, settings, tickets)
    result = _preview(client, dispatcher, [WEEKDAY_RULE, *saved])
    assert result["checked"] == 5
    [row] = result["changed"]
    friday_a = tickets["friday_a"]
    assert row["ticket_id"] == str(friday_a.id) and row["number"] == str(friday_a.id)[:8]
    assert (row["category_code"], row["category_name"], row["cell_code"]) == ("0506", "人行道乱停车", CELL_A)
    assert row["current"] == {"bureau_code": "zhzf", "bureau_name": "综合执法局", "source": "rule",
                              "rule_id": saved[0]["id"], "rule_position": 1, "rule_name": "人行道乱停车"}
    assert row["proposed"] == {"bureau_code": "jjdd", "bureau_name": "交警大队", "source": "rule", "rule_id": None,
                               "rule_position": 1, "rule_name": "城中街道工作日人行道"}
    assert client.get("/api/v1/routing/rules", headers=dispatcher).json()[0]["name"] == "人行道乱停车"  # nothing saved

    body = {k: v for k, v in WEEKDAY_RULE.items() if k != "id"}
    assert client.post("/api/v1/routing/rules", headers=dispatcher, json={**body, "position": 1}).status_code == 201
    after = _now_routed(db, settings, tickets)
    assert {name for name in tickets if after[name] != before[name]} == {"friday_a"}
    assert after["friday_a"] == row["proposed"]["bureau_code"]


def test_deleting_or_disabling_a_rule_shows_where_its_tickets_fall_back_to(client, db, settings, tickets):
    dispatcher = login(client, "dispatcher")
    first, *rest = _saved(client, dispatcher)
    deleted = _preview(client, dispatcher, rest)
    fallen = {row["ticket_id"]: row["proposed"] for row in deleted["changed"]}
    assert set(fallen) == {str(tickets[n].id) for n in ("friday_a", "friday_b", "saturday_a")}
    assert fallen[str(tickets["friday_b"].id)] == {"bureau_code": "jd002", "bureau_name": "城西街道", "source": "cell_unit",
                                                    "rule_id": None, "rule_position": None, "rule_name": None}
    disabled = _preview(client, dispatcher, [{**first, "is_enabled": False}, *rest])
    assert disabled["changed"] == deleted["changed"]

    assert client.delete(f"/api/v1/routing/rules/{first['id']}", headers=dispatcher).status_code == 204
    after = _now_routed(db, settings, tickets)
    assert {str(tickets[n].id): after[n] for n in ("friday_a", "friday_b", "saturday_a")} == {
        ticket_id: proposed["bureau_code"] for ticket_id, proposed in fallen.items()}


def test_a_move_is_previewed_then_saved_and_audited(client, db, settings, tickets):
    dispatcher = login(client, "dispatcher")
    parking, cell_unit, builder = _saved(client, dispatcher)
    moved = _preview(client, dispatcher, [builder, parking, cell_unit])
    [row] = moved["changed"]
    assert row["ticket_id"] == str(tickets["clutter_a"].id)
    assert (row["current"]["bureau_code"], row["current"]["rule_position"]) == ("czj", 2)
    assert row["proposed"] == {"bureau_code": "zjj", "bureau_name": "住建局", "source": "rule",
                               "rule_id": builder["id"], "rule_position": 1, "rule_name": "乱堆放交住建"}

    order = [builder["id"], parking["id"], cell_unit["id"]]
    response = client.put("/api/v1/routing/rules/order", headers=dispatcher, json={"rule_ids": order})
    assert response.status_code == 200, response.text
    assert [(r["id"], r["position"]) for r in response.json()] == list(zip(order, (1, 2, 3), strict=True))
    assert [r["id"] for r in client.get("/api/v1/routing/rules", headers=dispatcher).json()] == order
    assert _now_routed(db, settings, tickets)["clutter_a"] == "zjj"
    entries = db.exec(select(AuditEntry).where(AuditEntry.entity == "routing_rule")).all()
    assert {(e.entity_key, e.changes["position"]["before"], e.changes["position"]["after"]) for e in entries} == {
        (str(builder["id"]), 3, 1), (str(parking["id"]), 1, 2), (str(cell_unit["id"]), 2, 3)}
    assert all(e.actor == "dispatcher" and e.action == "update" for e in entries)
    # The same order again changes nothing and notes nothing.
    assert client.put("/api/v1/routing/rules/order", headers=dispatcher, json={"rule_ids": order}).status_code == 200
    assert len(db.exec(select(AuditEntry)).all()) == 3


def test_only_the_latest_200_routed_tickets_are_checked(client, db, settings, county):
    _, author = county
    start = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
    made = [routed(db, settings, author, "0506", CELL_A, FRIDAY, created=start + timedelta(minutes=n))
            for n in range(203)]
    incomplete = Ticket(id=uuid.uuid4(), author_id=author.id, category_code="0506", lat=LAT0 + 0.005,
                        lon=LON0 + 0.005, accuracy_m=5.0, located_at=FRIDAY, captured_at=FRIDAY,
                        request_sha256="f" * 64, created_at=start + timedelta(days=1))  # photos still coming
    db.add(incomplete)
    db.commit()
    dispatcher = login(client, "dispatcher")
    result = _preview(client, dispatcher, [WEEKDAY_RULE, *_saved(client, dispatcher)])
    assert result["checked"] == 200
    assert [row["ticket_id"] for row in result["changed"]] == [str(t.id) for t in reversed(made[3:])]  # newest first


@pytest.mark.parametrize("change, code", [
    (lambda saved: [{**saved[0], "id": 999}], "rule_ids_invalid"),               # no such rule
    (lambda saved: [saved[0], saved[0]], "rule_ids_invalid"),                    # one rule twice
    (lambda saved: [{**WEEKDAY_RULE, "category_codes": ["9999"]}], "rule_invalid"),
    (lambda saved: [{**WEEKDAY_RULE, "bureau_code": "nobody"}], "rule_invalid"),
    (lambda saved: [{**WEEKDAY_RULE, "position": 1}], "validation_error"),       # the list is the order
    (lambda saved: [{**WEEKDAY_RULE, "time_from": "05:00"}], "validation_error"),
    (lambda saved: [{**WEEKDAY_RULE, "weekdays": "8"}], "validation_error"),
    (lambda saved: [{**WEEKDAY_RULE, "colour": "red"}], "validation_error"),
])
def test_a_bad_proposal_is_refused(client, tickets, change, code):
    dispatcher = login(client, "dispatcher")
    saved = _saved(client, dispatcher)
    response = client.post("/api/v1/routing/rules/preview", headers=dispatcher, json={"rules": change(saved)})
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert response.json()["error"]["message"] and response.json()["error"]["message_en"]


@pytest.mark.parametrize("ids, status, code", [
    (lambda ids: ids[:2], 409, "rules_changed"),            # one left out: the list was read before a create
    (lambda ids: [*ids, 999], 409, "rules_changed"),
    (lambda ids: [ids[0], *ids], 422, "validation_error"),  # one twice
    (lambda ids: ["first", *ids[1:]], 422, "validation_error"),
])
def test_a_bad_order_is_refused_and_changes_nothing(client, db, county, ids, status, code):
    dispatcher = login(client, "dispatcher")
    before = client.get("/api/v1/routing/rules", headers=dispatcher).json()
    response = client.put("/api/v1/routing/rules/order", headers=dispatcher,
                          json={"rule_ids": ids([r["id"] for r in before])})
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert client.get("/api/v1/routing/rules", headers=dispatcher).json() == before
    assert db.exec(select(AuditEntry)).all() == []
