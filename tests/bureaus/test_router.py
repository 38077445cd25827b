"""Bureaus edited through the API."""

import http.server
import json
import threading

import pytest

from api.accounts.models import Role
from api.bureaus.models import Bureau
from tests.factories import login, make_bureau, make_user


@pytest.fixture
def dispatcher(client, db):
    make_bureau(db, "zhzf", "综合执法局", webhook_url="https://robot.example/zhzf", contact_phone="0579-1234")
    make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    return login(client, "dispatcher")


@pytest.mark.parametrize("field", ["name", "kind", "is_active"])
def test_a_column_that_always_holds_a_value_is_left_out_not_nulled(client, db, dispatcher, field):
    response = client.patch("/api/v1/bureaus/zhzf", headers=dispatcher, json={field: None})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["details"][0]["loc"] == ["body", field]
    db.expire_all()
    bureau = db.get(Bureau, "zhzf")
    assert (bureau.name, bureau.kind, bureau.is_active) == ("综合执法局", "department", True)


def test_optional_details_are_cleared_with_null(client, db, dispatcher):
    response = client.patch("/api/v1/bureaus/zhzf", headers=dispatcher,
                            json={"webhook_url": None, "contact_phone": None, "name": "城管局"})
    assert response.status_code == 200, response.text
    db.expire_all()
    bureau = db.get(Bureau, "zhzf")
    assert (bureau.name, bureau.webhook_url, bureau.contact_phone) == ("城管局", None, None)


class _Robot(http.server.BaseHTTPRequestHandler):
    """A WeCom group robot on loopback: it takes the message and answers as WeCom does."""

    received: list = []
    answer = b'{"errcode":0,"errmsg":"ok"}'

    def do_POST(self):
        _Robot.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Robot.received = []
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=k"
    server.shutdown()
    server.server_close()


@pytest.fixture
def admin(client, db):
    make_user(db, "admin", Role.admin)
    db.commit()
    return login(client, "admin")


def test_a_test_message_reaches_the_robot_and_its_answer_is_shown(client, db, robot, admin):
    make_bureau(db, "zhzf", "综合执法局", webhook_url=robot)
    db.commit()
    response = client.post("/api/v1/bureaus/zhzf/test-webhook", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "error": None, "status_code": 200, "answer": '{"errcode":0,"errmsg":"ok"}'}
    assert _Robot.received[0]["msgtype"] == "markdown" and "综合执法局" in _Robot.received[0]["markdown"]["content"]


def test_a_robot_that_refuses_or_cannot_be_reached_is_reported_not_raised(client, db, robot, admin, monkeypatch):
    monkeypatch.setattr(_Robot, "answer", b'{"errcode":93000,"errmsg":"invalid webhook url"}')
    make_bureau(db, "zhzf", "综合执法局", webhook_url=robot)
    make_bureau(db, "jjdd", "交警大队", webhook_url="http://127.0.0.1:9/send")
    make_bureau(db, "czj", "财政局")
    db.commit()
    refused = client.post("/api/v1/bureaus/zhzf/test-webhook", headers=admin).json()
    assert (refused["ok"], refused["error"], refused["answer"]) == (
        False, "errcode 93000", '{"errcode":93000,"errmsg":"invalid webhook url"}')
    unreachable = client.post("/api/v1/bureaus/jjdd/test-webhook", headers=admin).json()
    assert unreachable["ok"] is False and unreachable["status_code"] is None and "ConnectError" in unreachable["error"]
    response = client.post("/api/v1/bureaus/czj/test-webhook", headers=admin)
    assert response.status_code == 422 and response.json()["error"]["code"] == "no_webhook"
    assert client.post("/api/v1/bureaus/nope/test-webhook", headers=admin).status_code == 404


def test_an_edit_is_on_the_audit_trail(client, db, admin):
    make_bureau(db, "zhzf", "综合执法局")
    db.commit()
    client.patch("/api/v1/bureaus/zhzf", headers=admin, json={"name": "城管局", "kind": "office", "is_active": False})
    entry = client.get("/api/v1/audit?entity=bureau", headers=admin).json()["items"][0]
    assert (entry["action"], entry["entity_key"]) == ("update", "zhzf")
    assert entry["changes"] == {"name": {"before": "综合执法局", "after": "城管局"},
                                "kind": {"before": "department", "after": "office"},
                                "is_active": {"before": True, "after": False}}
