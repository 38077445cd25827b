"""The state machine, walked through the API: every (state, action, actor) triple is allowed or
refused as the expectations below say (written out by hand, not read from the code's table)."""

import base64
import hashlib
import uuid

import pytest

from tests.factories import analysed, login, photo_bytes, submit

LAT, LON = 28.9078, 120.0270  # insp05's cell; 人行道乱停车 here goes to 综合执法局 (zhzf)
ACTORS = ["insp05", "insp06", "zhzf1", "jjdd1", "dispatcher", "supervisor", "leader", "ledger", "admin"]
STAFF = {"dispatcher", "supervisor", "leader", "ledger", "admin"}
EXPECTED = {  # action: (states it applies to, who may)
    "accept": ({"dispatched"}, {"zhzf1"}),
    "return": ({"dispatched", "accepted"}, {"zhzf1"}),
    "reassign": ({"reported", "returned", "dispatched", "accepted"}, {"dispatcher", "admin"}),
    "rectify": ({"accepted", "rework"}, {"zhzf1"}),
    "verify": ({"rectified"}, {"insp05", "supervisor"}),
    "cancel": ({"reported", "dispatched", "accepted", "returned", "rework"}, {"dispatcher", "admin"}),
    "escalate": ({"reported", "dispatched", "accepted", "rectified", "rework", "returned"}, {"supervisor"}),
    "request_extension": ({"dispatched", "accepted", "rework"}, {"zhzf1"}),
    "decide_extension": (set(), {"dispatcher", "admin"}),  # only while a request is pending (tested below)
    "request_park": ({"dispatched", "accepted", "rework"}, {"zhzf1"}),
    "decide_park": (set(), {"dispatcher", "admin"}),  # only while a request is pending (tested below)
    "park": ({"reported", "dispatched", "accepted", "rework", "returned"}, {"dispatcher", "admin"}),
    "unpark": ({"parked"}, {"dispatcher", "admin"}),
}
# Bodies that pass validation, for the calls that must be refused before they do anything.
WELL_FORMED = {"accept": {}, "return": {"reason": "x"}, "reassign": {"bureau_code": "jjdd", "reason": "x"},
               "rectify": {"note": "x", "photo_ids": [str(uuid.uuid4())]}, "verify": {"result": "pass"},
               "cancel": {"reason": "x"}, "escalate": {"note": "x"}, "request_extension": {"hours": 8, "reason": "x"},
               "decide_extension": {"approve": True}, "park": {"reason": "x"}, "unpark": {"note": "x"},
               "request_park": {"reason": "x"}, "decide_park": {"approve": True}}
STATES = ["reported", "dispatched", "accepted", "returned", "rectified", "rework", "closed", "cancelled", "parked"]


class Loop:
    def __init__(self, client):
        self.client = client
        self.headers = {name: login(client, name, "demo1234") for name in ACTORS}

    def act(self, ticket_id, action, actor, **body):
        return self.client.post(f"/api/v1/tickets/{ticket_id}/actions/{action}", headers=self.headers[actor],
                                json={"action_id": str(uuid.uuid4()), **body})

    def after_photo(self, ticket_id, actor="zhzf1", data=None):
        data = data or photo_bytes("orientation_landscape_6.jpg")  # _1 was saved by Photoshop (XMP)
        photo_id = str(uuid.uuid4())
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        response = self.client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", params={"kind": "after"},
                                   content=data, headers={**self.headers[actor], "Content-Type": "image/jpeg",
                                                          "Content-Digest": f"sha-256=:{digest}:"})
        return photo_id, response

    def body_for(self, action, ticket_id):
        if action in ("return", "cancel"):
            return {"reason": "测试原因"}
        if action == "reassign":
            return {"bureau_code": "jjdd", "reason": "路面违停归交警"}
        if action == "rectify":
            photo_id, response = self.after_photo(ticket_id)
            return {"note": "已清理", "photo_ids": [photo_id]}
        if action == "verify":
            return {"result": "pass", "note": "已核实"}
        if action in ("escalate", "unpark"):
            return {"note": "督办"}
        if action == "request_extension":
            return {"hours": 8, "reason": "需协调施工队"}
        if action == "decide_extension":
            return {"approve": True}
        if action in ("park", "request_park"):
            return {"reason": "需列入明年预算"}
        if action == "decide_park":
            return {"approve": True}
        return {}

    def ticket_in(self, state):
        # Piled goods outside every cell: no rule, no default bureau, no unit → the dispatcher's queue.
        where = {"lat": 30.5, "category": "0508"} if state == "reported" else {"lat": LAT, "category": "0506"}
        ticket_id, ticket = submit(self.client, self.headers["insp05"], [photo_bytes("Canon_40D.jpg")],
                                   lon=LON, **where)
        steps = {"reported": [], "dispatched": [], "accepted": [("accept", "zhzf1")],
                 "returned": [("return", "zhzf1")], "rectified": [("accept", "zhzf1"), ("rectify", "zhzf1")],
                 "rework": [("accept", "zhzf1"), ("rectify", "zhzf1"), ("verify-fail", "insp05")],
                 "closed": [("accept", "zhzf1"), ("rectify", "zhzf1"), ("verify", "insp05")],
                 "cancelled": [("cancel", "dispatcher")], "parked": [("park", "dispatcher")]}[state]
        for action, actor in steps:
            body = {"result": "fail", "note": "未整改"} if action == "verify-fail" else self.body_for(action, ticket_id)
            response = self.act(ticket_id, action.removesuffix("-fail"), actor, **body)
            assert response.status_code == 200, response.text
        assert self.client.get(f"/api/v1/tickets/{ticket_id}", headers=self.headers["admin"]).json()["status"] == state
        return ticket_id


@pytest.fixture
def loop(client, county):
    return Loop(client)


def _readable(state, actor):
    if actor in STAFF or actor == "insp05":
        return True
    return actor == "zhzf1" and state != "reported"


@pytest.mark.parametrize("state", STATES)
def test_every_state_action_actor(loop, state):
    for action, (states, who) in EXPECTED.items():
        ticket_id = loop.ticket_in(state)
        for actor in ACTORS:
            if actor in who and state in states:
                continue  # tried below, once the refusals have been checked
            response = loop.act(ticket_id, action, actor, **WELL_FORMED[action])
            expected = 404 if not _readable(state, actor) else 403 if actor not in who else 409
            assert response.status_code == expected, (state, action, actor, response.status_code, response.text)
            if expected == 409:
                assert response.json()["error"]["code"] == "invalid_transition"
        for actor in sorted(who):
            if state not in states:
                continue
            fresh = loop.ticket_in(state)
            response = loop.act(fresh, action, actor, **loop.body_for(action, fresh))
            assert response.status_code == 200, (state, action, actor, response.text)


def test_the_loop_with_history(loop):
    ticket_id = loop.ticket_in("dispatched")
    assert loop.act(ticket_id, "accept", "zhzf1").json()["status"] == "accepted"
    photo_id, upload = loop.after_photo(ticket_id)
    assert upload.status_code == 201
    assert loop.act(ticket_id, "rectify", "zhzf1", note="已清理", photo_ids=[photo_id]).json()["status"] == "rectified"
    failed = loop.act(ticket_id, "verify", "insp05", result="fail", note="仍有车辆").json()
    assert (failed["status"], failed["rework_count"]) == ("rework", 1)
    photo_id, _ = loop.after_photo(ticket_id, data=photo_bytes("mobile_jolla.jpg"))
    fix = {"lat": LAT, "lon": LON, "accuracy_m": 6.5, "located_at": "2026-11-21T09:30:00+08:00"}
    loop.act(ticket_id, "rectify", "zhzf1", note="再次整改", photo_ids=[photo_id], location=fix)
    # mobile_jolla.jpg was taken in 2014: a flagged photo passes only with the verifier's reason.
    closed = loop.act(ticket_id, "verify", "supervisor", result="pass", note="旧照片误传，已到现场复核").json()
    assert closed["status"] == "closed" and closed["allowed_actions"] == []
    history = [(e["action"], e["actor"]["username"], e["to_status"]) for e in closed["events"]
               if e["action"] not in ("photo_received",)]
    assert history == [("created", "insp05", "incomplete"), ("dispatched", "insp05", "dispatched"),
                       ("accept", "zhzf1", "accepted"), ("rectify", "zhzf1", "rectified"),
                       ("verify", "insp05", "rework"), ("rectify", "zhzf1", "rectified"),
                       ("verify", "supervisor", "closed")]
    rectified = [e["payload"] for e in closed["events"] if e["action"] == "rectify"]
    assert rectified[0]["location"] is None  # the on-site fix is optional
    assert rectified[1]["location"] == fix
    kinds = [p["kind"] for p in closed["photos"]]
    assert kinds.count("after") == 2 and kinds.count("before") == 1


def test_replayed_actions_apply_once(loop):
    ticket_id = loop.ticket_in("dispatched")
    body = {"action_id": str(uuid.uuid4())}
    url = f"/api/v1/tickets/{ticket_id}/actions/accept"
    first = loop.client.post(url, json=body, headers=loop.headers["zhzf1"]).json()
    again = loop.client.post(url, json=body, headers=loop.headers["zhzf1"]).json()
    assert (first["replayed"], again["replayed"]) == (False, True) and again["status"] == "accepted"
    assert [e["action"] for e in again["events"]].count("accept") == 1
    conflict = loop.client.post(f"/api/v1/tickets/{ticket_id}/actions/return",
                                json={**body, "reason": "不归我们"}, headers=loop.headers["zhzf1"])
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "action_conflict"


def test_reassign_and_return_explain_themselves(loop):
    ticket_id = loop.ticket_in("dispatched")
    loop.act(ticket_id, "return", "zhzf1", reason="该路段由交警大队负责")
    reassigned = loop.act(ticket_id, "reassign", "dispatcher", bureau_code="jjdd", reason="路面违停").json()
    assert (reassigned["status"], reassigned["bureau_code"]) == ("dispatched", "jjdd")
    assert "改派" in reassigned["routing"]["reason"]
    returned = next(e for e in reassigned["events"] if e["action"] == "return")
    assert returned["payload"]["reason"] == "该路段由交警大队负责"
    assert loop.client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["zhzf1"]).status_code == 404
    assert loop.act(ticket_id, "accept", "jjdd1").json()["status"] == "accepted"


def test_after_photo_needs_a_digest_and_the_handling_bureau(loop):
    ticket_id = loop.ticket_in("accepted")
    data = photo_bytes("orientation_landscape_1.jpg")
    url = f"/api/v1/tickets/{ticket_id}/photos/{uuid.uuid4()}"
    headers = {**loop.headers["zhzf1"], "Content-Type": "image/jpeg"}
    missing = loop.client.put(url, params={"kind": "after"}, content=data, headers=headers)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "digest_required"
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    mismatch = loop.client.put(url, params={"kind": "after"}, content=data,
                               headers={**headers, "Content-Digest": f"sha-256=:{wrong}:"})
    assert mismatch.status_code == 422 and mismatch.json()["error"]["code"] == "photo_hash_mismatch"
    garbled = loop.client.put(url, params={"kind": "after"}, content=data,
                              headers={**headers, "Content-Digest": "md5=:abc:"})
    assert garbled.status_code == 422 and garbled.json()["error"]["code"] == "bad_digest"
    _, by_inspector = loop.after_photo(ticket_id, actor="insp05")
    assert by_inspector.status_code == 403
    photo_id, first = loop.after_photo(ticket_id)
    assert first.status_code == 201
    rectify_without = loop.act(ticket_id, "rectify", "zhzf1", note="x", photo_ids=[str(uuid.uuid4())])
    assert rectify_without.status_code == 422 and rectify_without.json()["error"]["code"] == "after_photo_missing"


def test_extension_moves_the_deadline_only_when_approved(loop):
    ticket_id = loop.ticket_in("accepted")
    before = loop.client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["zhzf1"]).json()
    asked = loop.act(ticket_id, "request_extension", "zhzf1", hours=16, reason="需协调施工队").json()
    assert asked["extension_requested"]["reason"] == "需协调施工队"
    assert asked["deadline_at"] == before["deadline_at"]
    again = loop.act(ticket_id, "request_extension", "zhzf1", hours=4, reason="再延")
    assert again.status_code == 409  # one request at a time
    denied = loop.act(ticket_id, "decide_extension", "dispatcher", approve=False, note="不同意").json()
    assert denied["deadline_at"] == before["deadline_at"] and denied["extension_requested"] is None
    loop.act(ticket_id, "request_extension", "zhzf1", hours=16, reason="需协调施工队")
    approved = loop.act(ticket_id, "decide_extension", "dispatcher", approve=True).json()
    assert approved["deadline_at"] > before["deadline_at"]
    assert approved["time_used_ratio"] < before["time_used_ratio"] or before["time_used_ratio"] == 0
    assert approved["status"] == "accepted" and approved["light"] == "green"


def test_parking_stops_the_clock(loop):
    ticket_id = loop.ticket_in("dispatched")
    dispatched = loop.client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["dispatcher"]).json()
    assert dispatched["light"] in ("green", "yellow", "red") and dispatched["time_used_ratio"] >= 0
    parked = loop.act(ticket_id, "park", "dispatcher", reason="需列入明年预算").json()
    assert parked["status"] == "parked"
    back = loop.act(ticket_id, "unpark", "dispatcher", note="预算已落实").json()
    assert back["status"] == "dispatched" and back["deadline_at"] >= dispatched["deadline_at"]
    assert [e["to_status"] for e in back["events"]][-2:] == ["parked", "dispatched"]


def test_verification_photos(loop):
    ticket_id = loop.ticket_in("rectified")
    data = photo_bytes("gps_DSCN0012.jpg")
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()

    def upload(actor):
        photo_id = str(uuid.uuid4())
        response = loop.client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", params={"kind": "verification"},
                                   content=data, headers={**loop.headers[actor], "Content-Type": "image/jpeg",
                                                          "Content-Digest": f"sha-256=:{digest}:"})
        return photo_id, response

    assert upload("zhzf1")[1].status_code == 403  # the bureau never verifies its own work
    photo_id, response = upload("insp05")
    assert response.status_code == 201
    unknown = loop.act(ticket_id, "verify", "insp05", result="fail", note="仍未整改", photo_ids=[str(uuid.uuid4())])
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "verification_photo_missing"
    failed = loop.act(ticket_id, "verify", "insp05", result="fail", note="仍未整改", photo_ids=[photo_id]).json()
    assert failed["status"] == "rework"
    (event,) = [e for e in failed["events"] if e["action"] == "verify"]
    assert event["payload"]["photo_ids"] == [photo_id]
    analysed(loop.client.app)
    failed = loop.client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["insp05"]).json()
    (photo,) = [p for p in failed["photos"] if p["kind"] == "verification"]
    assert photo["id"] == photo_id and photo["analysed"]
    assert "same_as_before" not in [f["code"] for f in photo["flags"]]
    assert upload("insp05")[1].status_code == 409  # rework: nothing to verify now


def test_a_bureau_asks_to_park_and_the_dispatcher_decides(loop, client):
    ticket_id = loop.ticket_in("accepted")
    asked = loop.act(ticket_id, "request_park", "zhzf1", reason="需列入明年改造计划").json()
    assert asked["status"] == "accepted" and asked["park_requested"]["reason"] == "需列入明年改造计划"
    assert "decide_park" not in asked["allowed_actions"] and "request_park" not in asked["allowed_actions"]
    assert loop.act(ticket_id, "request_park", "zhzf1", reason="再次申请").status_code == 409  # one at a time
    desk = client.get("/api/v1/queues/dispatcher", headers=loop.headers["dispatcher"]).json()
    assert [t["id"] for t in desk["park_requests"]["items"]] == [ticket_id]
    denied = loop.act(ticket_id, "decide_park", "dispatcher", approve=False, note="本月内可完成").json()
    assert (denied["status"], denied["park_requested"]) == ("accepted", None)
    loop.act(ticket_id, "request_park", "zhzf1", reason="需列入明年改造计划")
    approved = loop.act(ticket_id, "decide_park", "dispatcher", approve=True, note="同意挂账").json()
    assert (approved["status"], approved["park_requested"]) == ("parked", None)
    decided = [e["payload"] for e in approved["events"] if e["action"] == "decide_park"]
    assert [(d["approve"], d["reason"]) for d in decided] == [(False, "需列入明年改造计划"),
                                                              (True, "需列入明年改造计划")]
    assert "unpark" in client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["dispatcher"]).json()[
        "allowed_actions"]
