"""Exactly once, against a real server: replays in any order from 20 clients, racing identical
requests, and a SIGKILL in the middle of uploads. Nothing is lost, nothing is doubled."""

import hashlib
import io
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image
from sqlmodel import Session, col, func, select

from api.database import make_engine
from api.tickets.models import Photo, Ticket, TicketEvent
from tests.factories import capture_body
from tests.live import LiveServer


def noise_jpeg(seed: int, size: tuple[int, int] = (96, 96), quality: int = 80) -> bytes:
    """A distinct little photo per seed (random pixels), so each declared photo is its own file."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def make_tickets(client_no: int, count: int, photos_each: int, **photo_kw) -> list[dict]:
    tickets = []
    for n in range(count):
        photos = [noise_jpeg(client_no * 1000 + n * 10 + k, **photo_kw) for k in range(photos_each)]
        body = capture_body(photos, category="0508", lat=28.9078, lon=120.0270)
        tickets.append({"id": str(uuid.uuid4()), "body": body,
                        "photos": [(p["id"], data) for p, data in zip(body["photos"], photos, strict=True)]})
    return tickets


def send(http: httpx.Client, request: tuple) -> int:
    if request[0] == "ticket":
        return http.put(f"/api/v1/tickets/{request[1]}", json=request[2]).status_code
    _, ticket_id, photo_id, data = request
    return http.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", content=data,
                    headers={"Content-Type": "image/jpeg"}).status_code


@pytest.fixture
def server(tmp_path):
    live = LiveServer(tmp_path, "once", workers=2)
    live.cli("demo", "--history", "0")
    live.start()
    yield live
    live.close()


def _check_store(server: LiveServer, tickets: list[dict]) -> None:
    engine = make_engine(server.database_url)
    with Session(engine) as session:
        ids = [uuid.UUID(t["id"]) for t in tickets]
        assert session.exec(select(func.count()).select_from(Ticket)).one() == len(tickets)
        statuses = session.exec(select(Ticket.status).where(col(Ticket.id).in_(ids))).all()
        assert sorted(set(statuses)) == ["dispatched"]
        photos = session.exec(select(Photo)).all()
        assert len(photos) == sum(len(t["photos"]) for t in tickets)
        assert all(p.received_at is not None for p in photos)
        received_events = session.exec(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.action == "photo_received")).one()
        assert received_events == len(photos)
    engine.dispose()
    originals = {p.name: p for p in (server.data_dir / "photos" / "originals").glob("??/*")}
    expected = {hashlib.sha256(data).hexdigest() for t in tickets for _, data in t["photos"]}
    assert set(originals) == expected
    for name, path in originals.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == name


def test_replays_in_random_order_from_twenty_clients(server):
    clients = [make_tickets(c, count=3, photos_each=2) for c in range(20)]
    created: dict[str, int] = {}
    lock = threading.Lock()

    def run(client_no: int) -> None:
        rng = random.Random(client_no)
        requests = []
        for t in clients[client_no]:
            requests.append(("ticket", t["id"], t["body"]))
            requests += [("photo", t["id"], pid, data) for pid, data in t["photos"]]
        pending = requests * 2 + rng.sample(requests, k=len(requests) // 2)  # every request twice or more
        rng.shuffle(pending)
        headers = server.token(f"insp{client_no + 1:02d}")
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            while pending:
                request = pending.pop(0)
                status = send(http, request)
                if status == 404 and request[0] == "photo":
                    pending.append(request)  # its ticket has not arrived yet: retry later
                    continue
                assert status in (200, 201), (request[:3], status)
                if status == 201:
                    with lock:
                        key = request[1] if request[0] == "ticket" else request[2]
                        created[key] = created.get(key, 0) + 1

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(run, range(20)))
    everything = [t for tickets in clients for t in tickets]
    expected_keys = {t["id"] for t in everything} | {pid for t in everything for pid, _ in t["photos"]}
    assert created == {key: 1 for key in expected_keys}  # exactly one 201 for each ticket and photo
    _check_store(server, everything)


def test_sixteen_identical_requests_racing(server):
    ticket = make_tickets(99, count=1, photos_each=1)[0]
    headers = server.token("insp05")
    barrier = threading.Barrier(16)

    def put(_):
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            barrier.wait()
            return http.put(f"/api/v1/tickets/{ticket['id']}", json=ticket["body"]).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = sorted(pool.map(put, range(16)))
    assert statuses == [200] * 15 + [201]

    photo_id, data = ticket["photos"][0]
    barrier = threading.Barrier(16)

    def upload(_):
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            barrier.wait()
            return http.put(f"/api/v1/tickets/{ticket['id']}/photos/{photo_id}", content=data,
                            headers={"Content-Type": "image/jpeg"}).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = sorted(pool.map(upload, range(16)))
    assert statuses.count(201) == 1 and statuses.count(200) == 15
    _check_store(server, [ticket])


def test_sigkill_during_uploads_loses_nothing(tmp_path):
    server = LiveServer(tmp_path, "kill")
    server.cli("demo", "--history", "0")
    server.start()
    try:
        clients = [make_tickets(c, count=3, photos_each=2, size=(1200, 900), quality=95) for c in range(8)]
        tokens = [server.token(f"insp{c + 1:02d}") for c in range(8)]
        acknowledged = threading.Semaphore(0)

        def call(http: httpx.Client, request: tuple) -> None:
            for _ in range(600):  # keep retrying through the outage, as the phone's outbox does
                try:
                    status = send(http, request)
                except httpx.TransportError:
                    time.sleep(0.1)
                    continue
                if status in (200, 201):
                    acknowledged.release()
                    return
                assert status >= 500 or status == 404, status
                time.sleep(0.1)
            raise AssertionError(f"gave up on {request[:3]}")

        def run(client_no: int) -> None:
            with httpx.Client(base_url=server.url, headers=tokens[client_no], timeout=30) as http:
                for t in clients[client_no]:
                    call(http, ("ticket", t["id"], t["body"]))
                    for pid, data in t["photos"]:
                        call(http, ("photo", t["id"], pid, data))

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(run, c) for c in range(8)]
            for _ in range(10):
                acknowledged.acquire(timeout=60)
            server.kill()  # mid-flight: some uploads half-streamed, some stored but not committed
            time.sleep(0.5)
            server.start()
            for future in futures:
                future.result()

        print(server.cli("photos", "sweep", "--grace-minutes", "0"))
        everything = [t for tickets in clients for t in tickets]
        _check_store(server, everything)
        # No upload left half-written (the restarted server's analyses may be writing copies meanwhile).
        assert list((server.data_dir / "photos" / "tmp").glob("*.part")) == []
    finally:
        server.close()
