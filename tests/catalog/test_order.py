"""The order of the categories that inspectors see (categories.position): set by the admin, kept by edits, carried
by the county's configuration document."""

import pytest
from sqlmodel import select

from api.accounts.models import Role
from api.audit.models import AuditEntry
from api.county import config_doc
from tests.factories import login, make_category, make_user


@pytest.fixture
def admin(client, db):
    for n, code in enumerate(("0102", "0505", "0506"), 1):
        make_category(db, code, f"类别{code}").position = n
    make_user(db, "admin", Role.admin)
    db.commit()
    return login(client, "admin")


def _codes(client, headers, **params):
    return [c["code"] for c in client.get("/api/v1/categories", headers=headers, params=params).json()]


def _body(code, **kw):
    return {"code": code, "name": f"类别{code}", "name_en": code, "family": "街面秩序", "deadline_value": 2,
            "deadline_unit": "wh", **kw}


def test_the_order_set_is_the_order_listed_kept_by_edits_and_audited(client, db, admin):
    response = client.put("/api/v1/categories/order", headers=admin, json={"codes": ["0506", "0505", "0102"]})
    assert response.status_code == 200, response.text
    assert [(c["code"], c["position"]) for c in response.json()] == [("0506", 1), ("0505", 2), ("0102", 3)]
    assert _codes(client, admin) == ["0506", "0505", "0102"]
    # An edit that does not name a place keeps it; a new category goes last; a named place is taken.
    assert client.put("/api/v1/categories/0506", headers=admin, json=_body("0506", deadline_value=4)).json()["position"] == 1
    assert client.put("/api/v1/categories/0801", headers=admin, json=_body("0801")).json()["position"] == 4
    assert _codes(client, admin) == ["0506", "0505", "0102", "0801"]
    assert client.put("/api/v1/categories/0102", headers=admin, json=_body("0102", position=1)).status_code == 200
    assert _codes(client, admin)[:2] == ["0102", "0506"]  # ties by code
    entries = db.exec(select(AuditEntry).where(AuditEntry.entity == "category", AuditEntry.action == "update")
                      .order_by(AuditEntry.id)).all()
    assert [(e.entity_key, e.changes["position"]) for e in entries[:2]] == [
        ("0506", {"before": 3, "after": 1}), ("0102", {"before": 1, "after": 3})]


def test_inactive_categories_keep_their_place_and_the_inspector_gets_the_order(client, db, admin):
    make_category(db, "0801", "文明养犬").is_active = False
    make_user(db, "insp", Role.inspector)
    db.commit()
    assert client.put("/api/v1/categories/order", headers=admin,
                      json={"codes": ["0801", "0505", "0506", "0102"]}).status_code == 200
    assert _codes(client, login(client, "insp")) == ["0505", "0506", "0102"]
    assert _codes(client, admin, include_inactive=True) == ["0801", "0505", "0506", "0102"]


@pytest.mark.parametrize("codes, status, code", [
    (["0506", "0505"], 409, "categories_changed"),                  # one left out
    (["0506", "0505", "0102", "0999"], 409, "categories_changed"),  # one unknown
    (["0506", "0506", "0505", "0102"], 422, "validation_error"),
    ("0506", 422, "validation_error"),
])
def test_a_bad_order_is_refused_and_changes_nothing(client, db, admin, codes, status, code):
    response = client.put("/api/v1/categories/order", headers=admin, json={"codes": codes})
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert _codes(client, admin) == ["0102", "0505", "0506"]
    assert db.exec(select(AuditEntry)).all() == []


def test_a_place_must_be_positive(client, admin):
    response = client.put("/api/v1/categories/0506", headers=admin, json=_body("0506", position=0))
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def test_the_configuration_document_carries_the_order(client, db, admin):
    client.put("/api/v1/categories/order", headers=admin, json={"codes": ["0505", "0506", "0102"]})
    db.rollback()
    exported = config_doc.export_config(db)
    assert [(c["code"], c["position"]) for c in exported["categories"]] == [("0505", 1), ("0506", 2), ("0102", 3)]
    shuffled = {**exported, "categories": [{**c, "position": 4 - c["position"]} for c in exported["categories"]]}
    config_doc.import_config(db, shuffled, by="test")
    db.commit()
    assert _codes(client, admin) == ["0102", "0506", "0505"]
