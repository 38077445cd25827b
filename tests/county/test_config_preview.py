"""The county document as a file, and the preview of its import: the YAML the command line writes, section by section
what an edited file would change, refused as the import refuses it, and nothing stored either way."""

import copy
import json

import pytest
import yaml
from sqlmodel import func, select

from api.audit.models import AuditEntry
from api.bureaus.models import Bureau
from api.county import config_diff, config_doc
from tests.factories import login

YAML = {"Content-Type": "application/yaml"}


@pytest.fixture
def admin(client, county):
    return login(client, "admin", "demo1234")


def snapshot(db):
    db.expire_all()
    return config_doc.export_config(db), db.exec(select(func.count()).select_from(AuditEntry)).one()


def preview(client, admin, document, headers=YAML):
    body = document if isinstance(document, bytes) else config_diff.to_yaml(document).encode()
    return client.post("/api/v1/config/import/preview", headers={**admin, **headers}, content=body)


def section(answer, name):
    return next(s for s in answer["sections"] if s["section"] == name)


def test_the_file_is_the_yaml_the_command_line_writes(client, db, admin):
    response = client.get("/api/v1/config/export.yaml", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text == config_diff.to_yaml(config_doc.export_config(db))
    assert yaml.safe_load(response.text) == client.get("/api/v1/config/export", headers=admin).json()
    assert "综合执法局" in response.text  # written as itself, not \u escapes


def test_an_unedited_file_changes_nothing(client, db, admin):
    text = client.get("/api/v1/config/export.yaml", headers=admin).content
    answer = preview(client, admin, text).json()
    assert all(not (s["added"] or s["changed"] or s["removed"]) for s in answer["sections"])


def edit(document):
    """A category's deadline, a new unit, the first routing rule gone, a holiday, a checklist item reworded, a
    ranking weight."""
    document["categories"][0]["deadline_value"] += 1
    document["bureaus"].append({"code": "tyj", "name": "体育局", "kind": "department"})
    document["routing_rules"] = document["routing_rules"][1:]
    document["calendar_overrides"].append({"day": "2027-10-08", "is_workday": False, "note": "国庆"})
    document["checklists"][0]["items"][0]["text"] = "划行归市，标识清楚"
    document["ranking"]["red"] = 5
    return document


def test_the_preview_names_each_change_and_stores_nothing(client, db, admin):
    zhzf = db.get(Bureau, "zhzf")  # a unit's robot address, which the file leaves out
    zhzf.webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=kept"
    db.add(zhzf)
    db.commit()
    was = config_doc.export_config(db)
    document = edit(copy.deepcopy(was))
    before = snapshot(db)

    response = preview(client, admin, document)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert snapshot(db) == before

    category = was["categories"][0]
    assert [(c["key"], c["fields"]) for c in section(answer, "categories")["changed"]] == [(category["code"], [
        {"field": "deadline_value", "before": category["deadline_value"], "after": category["deadline_value"] + 1}])]
    assert [(b["key"], b["label"]) for b in section(answer, "bureaus")["added"]] == [("tyj", "体育局")]
    rules = section(answer, "routing_rules")
    assert [r["key"] for r in rules["removed"]] == [was["routing_rules"][0]["name"]]
    # The others move up one: their order is a field of its own.
    assert [c["fields"] for c in rules["changed"]] == [[{"field": "position", "before": n + 2, "after": n + 1}]
                                                       for n in range(len(was["routing_rules"]) - 1)]
    assert [o["key"] for o in section(answer, "calendar_overrides")["added"]] == ["2027-10-08"]
    [checklist] = section(answer, "checklists")["changed"]
    item = was["checklists"][0]["items"][0]
    assert checklist["fields"] == [{"field": f"items.{item['code']}.text", "before": item["text"],
                                    "after": "划行归市，标识清楚"}]
    assert section(answer, "ranking")["changed"][0]["fields"] == [
        {"field": "red", "before": was["ranking"]["red"], "after": 5}]
    assert section(answer, "point_types") == {"section": "point_types", "added": [], "changed": [], "removed": []}

    # Its document is what the import then takes: it does what the preview said (the same file again would
    # change nothing), and keeps the robot address.
    assert client.post("/api/v1/config/import", headers=admin, json=answer["document"]).status_code == 200
    again = preview(client, admin, document).json()
    assert all(not (s["added"] or s["changed"] or s["removed"]) for s in again["sections"])
    db.expire_all()
    assert db.get(Bureau, "zhzf").webhook_url.endswith("key=kept")


def test_a_json_file_is_read_too(client, db, admin):
    document = edit(config_doc.export_config(db))
    answer = preview(client, admin, json.dumps(document).encode(), {"Content-Type": "application/json"}).json()
    assert [b["key"] for b in section(answer, "bureaus")["added"]] == ["tyj"]


@pytest.mark.parametrize("body, code", [
    (b"bureaus: [unclosed\n", "config_unreadable"),
    ("version: 1\nbureaus: []\n".encode("utf-16"), "config_unreadable"),
    (b"version: 1\ncategories:\n  - code: x\n", "config_invalid"),
    (b"version: 7\n", "config_version"),
    (b"- just\n- a list\n", "config_invalid"),
    (b'version: 1\nbureaus:\n  - {code: ab, name: "a\\0b"}\n', "nul_character"),
    (b"&a [*a]\n", "config_invalid"),
    # Valid in form, refused by the import itself: a rule sending tickets to no such unit.
    (b"version: 1\nrouting_rules:\n  - {name: x, category_codes: ['0506'], bureau_code: nobody}\n", "rule_invalid"),
])
def test_what_the_import_refuses_the_preview_refuses(client, db, admin, body, code):
    before = snapshot(db)
    response = preview(client, admin, body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["message_en"]
    assert snapshot(db) == before


def test_a_broken_line_is_named(client, admin):
    error = preview(client, admin, b"version: 1\nbureaus:\n  - code: [ab\n").json()["error"]
    assert error["details"]["line"] and f"第 {error['details']['line']} 行" in error["message"]


def test_public_reporting_travels_with_the_county(client, db, admin):
    """The public categories (their names and order) and the citizens' settings: exported, previewed, imported;
    a file without them leaves them as they are."""
    was = config_doc.export_config(db)
    assert [c["category_code"] for c in was["public_categories"]][:2] == ["0506", "0102"]  # the demo's list
    assert was["citizen_settings"]["reviewer_role"] == "dispatcher"
    document = copy.deepcopy(was)
    first, second = document["public_categories"][:2]
    document["public_categories"][:2] = [second, first]
    second["public_name"] = "垃圾没人管"
    document["citizen_settings"]["per_device_hourly"] = 3

    answer = preview(client, admin, document).json()
    changed = {c["key"]: c["fields"] for c in section(answer, "public_categories")["changed"]}
    assert changed["0102"] == [{"field": "public_name", "before": "暴露垃圾", "after": "垃圾没人管"},
                               {"field": "position", "before": 2, "after": 1}]
    assert changed["0506"] == [{"field": "position", "before": 1, "after": 2}]
    assert section(answer, "citizen_settings")["changed"][0]["fields"] == [
        {"field": "per_device_hourly", "before": was["citizen_settings"]["per_device_hourly"], "after": 3}]

    assert client.post("/api/v1/config/import", headers=admin, json=document).status_code == 200
    public = client.get("/api/v1/public/categories").json()
    assert [(c["code"], c["name"]) for c in public[:2]] == [("0102", "垃圾没人管"), ("0506", "人行道乱停车")]
    assert client.get("/api/v1/citizen-settings", headers=admin).json()["per_device_hourly"] == 3

    for left_out in ("public_categories", "citizen_settings"):
        del document[left_out]
    assert client.post("/api/v1/config/import", headers=admin, json=document).status_code == 200
    assert client.get("/api/v1/public/categories").json() == public
    assert client.get("/api/v1/citizen-settings", headers=admin).json()["per_device_hourly"] == 3
