"""Spot checks: reproducible stratified draws, on-site results, failures reopen the ticket."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from api.photos import service as photo_service
from api.spotchecks.service import sample
from tests.factories import photo_bytes
from tests.tickets.test_workflow import Loop

PERIOD = {"closed_from": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
          "closed_to": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}


@given(st.dictionaries(st.sampled_from(["zhzf", "jjdd", "zjj", "czj"]),
                       st.lists(st.uuids().map(str), min_size=1, max_size=30, unique=True), min_size=1),
       st.floats(min_value=0.01, max_value=1), st.integers(min_value=0, max_value=5), st.integers(0, 2**62))
def test_sample_is_reproducible_and_respects_the_minimum(candidates, rate, minimum, seed):
    first = sample(candidates, rate=rate, min_per_bureau=minimum, seed=seed)
    assert first == sample({b: list(reversed(ids)) for b, ids in candidates.items()}, rate=rate,
                           min_per_bureau=minimum, seed=seed)  # input order does not matter
    for bureau, ids in candidates.items():
        assert set(first[bureau]) <= set(ids)
        assert len(first[bureau]) >= min(len(ids), minimum)
        assert len(first[bureau]) >= min(len(ids), -(-len(ids) * rate // 1))


def _spotcheck_photo(loop, ticket_id):
    data = photo_bytes("mobile_jolla.jpg")
    photo_id = str(uuid.uuid4())
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    response = loop.client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", params={"kind": "spotcheck"},
                               content=data, headers={**loop.headers["supervisor"], "Content-Type": "image/jpeg",
                                                      "Content-Digest": f"sha-256=:{digest}:"})
    return photo_id, response


def test_draw_then_fail_on_site_reopens_the_ticket(client, county, monkeypatch):
    loop = Loop(client)
    closed = [loop.ticket_in("closed") for _ in range(3)]
    drawn = client.post("/api/v1/spotchecks/draws", headers=loop.headers["supervisor"],
                        json={**PERIOD, "rate": 0.1, "min_per_bureau": 2, "seed": 20261121})
    assert drawn.status_code == 201, drawn.text
    draw = drawn.json()
    assert draw["seed"] == 20261121
    picked = [t["ticket_id"] for t in draw["tasks"]]
    assert picked == sample({"zhzf": closed}, rate=0.1, min_per_bureau=2, seed=20261121)["zhzf"]
    assert len(picked) == 2 and {t["bureau_code"] for t in draw["tasks"]} == {"zhzf"}
    open_tasks = client.get("/api/v1/spotchecks", params={"status": "open"}, headers=loop.headers["leader"]).json()
    assert [t["id"] for t in open_tasks] == [t["id"] for t in draw["tasks"]]

    task = draw["tasks"][0]
    monkeypatch.setattr(photo_service, "analyse_in_background", lambda *args: None)  # its analysis is lost
    photo_id, upload = _spotcheck_photo(loop, task["ticket_id"])
    assert upload.status_code == 201, upload.text
    body = {"action_id": str(uuid.uuid4()), "result": "fail", "note": "车辆仍占用人行道", "photo_ids": [photo_id]}
    failed = client.post(f"/api/v1/spotchecks/{task['id']}/result", json=body, headers=loop.headers["supervisor"])
    assert failed.status_code == 200 and failed.json()["status"] == "failed"
    ticket = client.get(f"/api/v1/tickets/{task['ticket_id']}", headers=loop.headers["zhzf1"]).json()
    assert (ticket["status"], ticket["rework_count"]) == ("rework", 1)
    event = ticket["events"][-1]
    assert event["action"] == "spotcheck" and event["payload"]["false_closure"] is True
    assert event["actor"]["username"] == "supervisor"
    assert "rectify" in ticket["allowed_actions"]
    (on_site,) = [p for p in ticket["photos"] if p["kind"] == "spotcheck"]
    assert on_site["id"] == photo_id and on_site["analysed"]  # done with the verdict, not left to the sweep

    replay = client.post(f"/api/v1/spotchecks/{task['id']}/result", json=body, headers=loop.headers["supervisor"])
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    other = client.post(f"/api/v1/spotchecks/{task['id']}/result", headers=loop.headers["supervisor"],
                        json={**body, "action_id": str(uuid.uuid4()), "result": "pass"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "spotcheck_done"

    second = draw["tasks"][1]
    no_photo = client.post(f"/api/v1/spotchecks/{second['id']}/result", headers=loop.headers["supervisor"],
                           json={"action_id": str(uuid.uuid4()), "result": "pass", "photo_ids": [str(uuid.uuid4())]})
    assert no_photo.status_code == 422 and no_photo.json()["error"]["code"] == "spotcheck_photo_missing"


def test_only_supervisors_draw_and_photograph(client, county):
    loop = Loop(client)
    ticket_id = loop.ticket_in("closed")
    refused = client.post("/api/v1/spotchecks/draws", headers=loop.headers["zhzf1"], json={**PERIOD, "rate": 1})
    assert refused.status_code == 403
    _, no_task = _spotcheck_photo(loop, ticket_id)
    assert no_task.status_code == 409 and no_task.json()["error"]["code"] == "no_open_spotcheck"
    empty = client.post("/api/v1/spotchecks/draws", headers=loop.headers["supervisor"],
                        json={"closed_from": PERIOD["closed_to"], "closed_to": PERIOD["closed_from"], "rate": 1})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "bad_period"
