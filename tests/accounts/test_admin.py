"""What the admin console does with accounts: bulk import, password reset, revocation, all on the audit trail."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from api.accounts.models import AuthToken, Role, User
from api.audit.models import AuditEntry
from tests.factories import login, make_bureau, make_cell, make_user

CELL = "330790001001001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin(client, db):
    make_bureau(db, "zhzf", "综合执法局")
    make_cell(db, CELL)
    make_user(db, "admin", Role.admin)
    db.commit()
    return login(client, "admin")


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client, headers, content, fmt="xlsx"):
    return client.post(f"/api/v1/users/import?format={fmt}", content=content,
                       headers={**headers, "Content-Type": XLSX if fmt == "xlsx" else "text/csv"})


def test_an_xlsx_with_bad_rows_is_refused_whole_with_the_rows_as_numbered_in_the_file(client, db, admin):
    rows = [("username", "name", "role", "bureau", "cells", "phone"),
            ("insp01", "张三", "网格员", None, CELL, 13800000001),
            (None, None, None, None, None, None),  # a blank row keeps its number
            ("zhzf01", "李四", "责任单位联络员", "综合执法局", None, None),
            ("bad name", "王五", "网格员", None, None, None),
            ("zhzf02", "赵六", "bureau", None, None, None),
            ("insp02", "钱七", "inspector", None, "999", None),
            ("insp01", "重复", "inspector", None, None, None)]
    response = _import(client, admin, _xlsx(rows))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "users_invalid"
    assert [(r["row"], r["username"], r["errors"][0]["field"]) for r in error["details"]] == [
        (5, "bad name", "username"), (6, "zhzf02", "bureau"), (7, "insp02", "cells"), (8, "insp01", "username")]
    assert error["details"][1]["errors"][0]["message"] == "责任单位联络员必须指定单位"
    db.expire_all()
    assert db.exec(select(User.username).where(User.username != "admin")).all() == []
    assert db.exec(select(AuditEntry)).all() == []


def test_a_good_file_creates_every_account_and_hands_out_their_passwords_once(client, db, admin):
    rows = [("用户名", "姓名", "角色", "单位", "网格", "电话"),
            ("insp01", "张三", "网格员", None, CELL, 13800000001),
            ("zhzf01", "李四", "责任单位联络员", "zhzf", None, None),
            ("lead01", None, "leader", None, None, None)]
    response = _import(client, admin, _xlsx(rows))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 3
    assert [(a["row"], a["username"], a["role"]) for a in body["accounts"]] == [
        (2, "insp01", "inspector"), (3, "zhzf01", "bureau"), (4, "lead01", "leader")]
    password = body["accounts"][0]["password"]
    me = client.get("/api/v1/me", headers=login(client, "insp01", password)).json()
    assert (me["display_name"], me["phone"], [c["code"] for c in me["cells"]]) == ("张三", "13800000001", [CELL])
    assert client.get("/api/v1/me", headers=login(client, "zhzf01", body["accounts"][1]["password"])).json()[
        "bureau"]["code"] == "zhzf"
    trail = client.get("/api/v1/audit?entity=user", headers=admin).json()["items"]
    assert [(e["action"], e["actor"], e["changes"]["usernames"]["after"]) for e in trail] == [
        ("import", "admin", ["insp01", "zhzf01", "lead01"])]
    assert password not in str(db.exec(select(AuditEntry.changes)).all())


def test_csv_in_gbk_and_the_template(client, db, admin):
    template = client.get("/api/v1/users/import-template", headers=admin)
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == ["username", "name", "role", "bureau", "cells", "phone"]
    # The template as downloaded, filled in below its hint row, imports.
    sheet.append(("ledger01", "孙八", "台账组"))
    out = io.BytesIO()
    sheet.parent.save(out)
    assert _import(client, admin, out.getvalue()).status_code == 201
    csv_template = client.get("/api/v1/users/import-template?format=csv", headers=admin)
    assert csv_template.text.lstrip("\ufeff").splitlines() == ["username,name,role,bureau,cells,phone"]
    content = "username,name,role\nsup01,周九,督察组\n".encode("gb18030")
    response = _import(client, admin, content, "csv")
    assert response.status_code == 201, response.text
    assert db.exec(select(User.display_name).where(User.username == "sup01")).one() == "周九"


@pytest.mark.parametrize("content, code", [(b"PK\x03\x04 not a workbook", "file_unreadable"),
                                           (_xlsx([("username", "role")]), "file_empty")])
def test_an_unreadable_or_empty_file_is_one_clear_refusal(client, admin, content, code):
    response = _import(client, admin, content)
    assert response.status_code == 422 and response.json()["error"]["code"] == code


def test_a_password_reset_is_shown_once_signs_the_user_out_and_is_audited(client, db, admin):
    user = make_user(db, "insp01")
    db.commit()
    old = login(client, "insp01")
    response = client.post(f"/api/v1/users/{user.id}/reset-password", headers=admin)
    assert response.status_code == 200, response.text
    password = response.json()["password"]
    assert len(password) == 12 and response.json()["username"] == "insp01"
    assert client.get("/api/v1/me", headers=old).status_code == 401
    assert client.get("/api/v1/me", headers=login(client, "insp01", password)).status_code == 200
    entry = client.get("/api/v1/audit", headers=admin).json()["items"][0]
    assert (entry["action"], entry["entity_key"], entry["changes"]) == (
        "reset_password", "insp01", {"tokens_revoked": {"before": None, "after": 1}})


def test_revoking_a_lost_phone_is_audited(client, db, admin):
    user = make_user(db, "insp01")
    db.commit()
    login(client, "insp01", device_name="phone")
    response = client.post(f"/api/v1/users/{user.id}/revoke-tokens", headers=admin)
    assert response.json() == {"revoked": 1}
    assert db.exec(select(AuthToken).where(AuthToken.user_id == user.id, AuthToken.revoked_at == None)).all() == []  # noqa: E711
    assert client.get("/api/v1/audit", headers=admin).json()["items"][0]["action"] == "revoke_tokens"


def test_an_edit_is_audited_field_by_field_and_never_with_the_password(client, db, admin):
    user = make_user(db, "insp01")
    db.commit()
    response = client.patch(f"/api/v1/users/{user.id}", headers=admin,
                            json={"display_name": "张三", "cell_codes": [CELL], "password": "a-new-password"})
    assert response.status_code == 200, response.text
    entries = client.get("/api/v1/audit?entity=user", headers=admin).json()["items"]
    assert [e["action"] for e in entries] == ["set_password", "update"]
    assert entries[1]["changes"] == {"display_name": {"before": "insp01", "after": "张三"},
                                     "cell_codes": {"before": [], "after": [CELL]}}
    assert entries[0]["changes"] == {}
    # An edit that changes nothing leaves no entry.
    client.patch(f"/api/v1/users/{user.id}", headers=admin, json={"display_name": "张三"})
    assert len(client.get("/api/v1/audit", headers=admin).json()["items"]) == 2


def test_a_refused_edit_names_its_field(client, db, admin):
    user = make_user(db, "lead01", Role.leader)
    db.commit()
    response = client.patch(f"/api/v1/users/{user.id}", headers=admin, json={"role": "bureau"})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"field": "bureau_code"}
    response = client.post("/api/v1/users", headers=admin, json={"username": "lead01", "role": "leader",
                                                                  "password": "long-enough-1"})
    assert response.status_code == 409 and response.json()["error"]["details"] == {"field": "username"}
    assert client.get("/api/v1/audit", headers=admin).json()["items"] == []


def test_others_learn_nothing_of_which_accounts_exist(client, db, admin):
    make_user(db, "lead01", Role.leader)
    db.commit()
    leader = login(client, "lead01")
    for path in ("/api/v1/users/99999/reset-password", "/api/v1/users/99999/revoke-tokens"):
        assert client.post(path, headers=leader).status_code == 403
        assert client.post(path).status_code == 401
        assert client.post(path, headers=admin).status_code == 404


def test_an_admin_cannot_lock_themselves_out(client, db, admin):
    me = client.get("/api/v1/me", headers=admin).json()
    for body, field in (({"is_active": False}, "is_active"), ({"role": "leader"}, "role")):
        response = client.patch(f"/api/v1/users/{me['id']}", headers=admin, json=body)
        assert response.status_code == 422 and response.json()["error"]["details"] == {"field": field}
    assert client.patch(f"/api/v1/users/{me['id']}", headers=admin, json={"phone": "123"}).status_code == 200
