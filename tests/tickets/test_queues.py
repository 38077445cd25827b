"""Queues: the bureau's by deadline with badges, the dispatcher's desk, the verification queue."""



from tests.factories import login, photo_bytes, submit
from tests.tickets.test_workflow import LAT, LON, Loop


def test_bureau_queue_by_deadline_with_counts(client, county):
    loop = Loop(client)
    parking = [submit(client, loop.headers["insp05"], [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON)[0]
               for _ in range(2)]  # 人行道乱停车: 2 working hours
    signs, _ = submit(client, loop.headers["insp05"], [photo_bytes("Canon_40D.jpg")], category="0202",
                      lat=LAT, lon=LON)  # 门头牌匾: 3 working days, also 综合执法局
    loop.act(parking[1], "accept", "zhzf1")
    queue = client.get("/api/v1/queues/bureau", headers=loop.headers["zhzf1"]).json()
    ids = [t["id"] for t in queue["items"]]
    assert ids[-1] == signs and set(ids[:2]) == set(parking)
    deadlines = [t["deadline_at"] for t in queue["items"]]
    assert deadlines == sorted(deadlines)
    assert queue["counts"] == {"dispatched": 2, "accepted": 1, "rework": 0, "rectified": 0}
    assert all(t["light"] in ("green", "yellow", "red") for t in queue["items"])
    accepted = client.get("/api/v1/queues/bureau", params={"status": "accepted"}, headers=loop.headers["zhzf1"])
    assert [t["id"] for t in accepted.json()["items"]] == [parking[1]]
    loop.act(parking[0], "escalate", "supervisor", note="督办")
    escalated = client.get("/api/v1/queues/bureau", params={"escalated": True}, headers=loop.headers["zhzf1"])
    assert [t["id"] for t in escalated.json()["items"]] == [parking[0]]
    assert client.get("/api/v1/queues/bureau", headers=loop.headers["jjdd1"]).json()["items"] == []
    staff = client.get("/api/v1/queues/bureau", params={"bureau": "zhzf"}, headers=loop.headers["leader"])
    assert len(staff.json()["items"]) == 3
    assert client.get("/api/v1/queues/bureau", headers=loop.headers["leader"]).status_code == 422
    assert client.get("/api/v1/queues/bureau", headers=loop.headers["insp05"]).status_code == 403


def test_dispatcher_desk(client, county):
    loop = Loop(client)
    unrouted = [loop.ticket_in("reported") for _ in range(2)]  # no deadline yet: oldest first
    returned = loop.ticket_in("dispatched")
    loop.act(returned, "return", "zhzf1", reason="不属于本单位")
    extended = loop.ticket_in("accepted")
    loop.act(extended, "request_extension", "zhzf1", hours=8, reason="需协调")
    desk = client.get("/api/v1/queues/dispatcher", headers=loop.headers["dispatcher"]).json()
    assert [t["id"] for t in desk["reported"]["items"]] == unrouted
    assert [t["id"] for t in desk["returned"]["items"]] == [returned]
    assert [t["id"] for t in desk["extension_requests"]["items"]] == [extended]
    assert desk["parked"]["items"] == []
    assert client.get("/api/v1/queues/dispatcher", headers=loop.headers["zhzf1"]).status_code == 403


def test_verification_queue(client, county):
    loop = Loop(client)
    mine = loop.ticket_in("rectified")
    queue = client.get("/api/v1/queues/verification", headers=loop.headers["insp05"]).json()
    assert [t["id"] for t in queue["items"]] == [mine]
    kinds = sorted(p["kind"] for p in queue["items"][0]["photos"])
    assert kinds == ["after", "before"]
    assert client.get("/api/v1/queues/verification", headers=login(client, "insp01", "demo1234")).json()[
        "items"] == []
    assert [t["id"] for t in client.get("/api/v1/queues/verification",
                                        headers=loop.headers["supervisor"]).json()["items"]] == [mine]
    assert client.get("/api/v1/queues/verification", headers=loop.headers["zhzf1"]).status_code == 403

