"""Notifications from the outbox: in-app, and webhooks delivered at least once with retries, by
concurrent workers without duplicates; overdue marking and automatic escalation happen once."""

import json
import threading
import uuid
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlmodel import select

from api.bureaus.models import Bureau
from api.database import utcnow
from api.notifications import worker
from api.notifications.models import WebhookDelivery
from api.tickets.models import Ticket, TicketEvent
from tests.factories import login, photo_bytes, submit
from tests.tickets.test_workflow import LAT, LON, Loop


class Robot:
    """A group robot on loopback that fails its first `failures` calls."""

    def __init__(self, failures: int):
        self.failures, self.calls, self.received = failures, 0, Counter()
        self.lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with robot.lock:
                    robot.calls += 1
                    failing = robot.calls <= robot.failures
                    if not failing:
                        robot.received[body["markdown"]["content"]] += 1
                self.send_response(500 if failing else 200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"errcode": 0, "errmsg": "ok"}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def robot(db, county):
    robot = Robot(failures=2)
    db.get(Bureau, "zhzf").webhook_url = robot.url
    db.commit()
    yield robot
    robot.close()


def test_dispatch_notifies_the_bureau_in_app_and_by_webhook(client, db, robot):
    loop = Loop(client)
    ticket_id, _ = submit(client, loop.headers["insp05"], [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON)
    inbox = client.get("/api/v1/notifications", headers=loop.headers["zhzf1"]).json()
    assert [(n["kind"], n["ticket_id"]) for n in inbox] == [("dispatched", ticket_id)]
    second_liaison = login(client, "zhzf2", "demo1234")
    assert client.get("/api/v1/notifications", headers=second_liaison).json()[0]["title"] == "新工单待签收"
    assert client.get("/api/v1/notifications", headers=loop.headers["jjdd1"]).json() == []
    read = client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=loop.headers["zhzf1"])
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v1/notifications", params={"unread": True}, headers=loop.headers["zhzf1"]).json() == []
    other = client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=second_liaison)
    assert other.status_code == 404
    deliveries = db.exec(select(WebhookDelivery)).all()
    assert [(d.kind, d.status) for d in deliveries] == [("dispatched", "pending")]


def test_webhooks_arrive_once_despite_failures_and_two_workers(client, db, engine, settings, robot):
    loop = Loop(client)
    for n in range(3):  # a message says what, where and the inspector's note: three problems, three messages
        submit(client, loop.headers["insp05"], [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON,
               description=f"第{n + 1}处")
    settings.webhook_backoff_seconds = 0.01

    def work():
        with httpx.Client() as http:
            for _ in range(60):
                worker.deliver_webhooks(engine, settings, http)
                if len(robot.received) == 3:
                    return

    threads = [threading.Thread(target=work) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert robot.calls >= 5  # two refused, three delivered
    assert sorted(robot.received.values()) == [1, 1, 1]  # every message, none twice
    db.expire_all()
    rows = db.exec(select(WebhookDelivery)).all()
    assert {r.status for r in rows} == {"sent"} and sum(r.attempts for r in rows) == robot.calls


def test_overdue_and_auto_escalation_happen_once(client, db, engine, settings, county):
    loop = Loop(client)
    ticket_id = uuid.UUID(loop.ticket_in("accepted"))
    ticket = db.get(Ticket, ticket_id)
    ticket.deadline_at = utcnow() - timedelta(days=3)  # long past, even in working hours
    db.commit()
    results = []

    def work():
        with httpx.Client() as http:
            results.append(worker.run_once(engine, settings, http))

    threads = [threading.Thread(target=work) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    events = Counter(e.action for e in db.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)))
    assert events["overdue"] == 1 and events["auto_escalate"] == 1
    db.expire_all()
    assert db.get(Ticket, ticket_id).escalated is True
    inbox = client.get("/api/v1/notifications", headers=loop.headers["zhzf1"]).json()
    assert {"overdue", "auto_escalate"} <= {n["kind"] for n in inbox}
    assert sum(r["overdue"] for r in results) == 1 and sum(r["escalated"] for r in results) == 1
