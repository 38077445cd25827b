"""Ledger exports (台账) by a real server: a 10,000-ticket XLSX ledger with 20,000 thumbnails (rows per second,
from the POST to `done`, and the server process's peak RSS, VmHWM, start-up included), and a PDF
before-and-after ledger of the largest size allowed, 1,000 tickets (wall time, the longest stretch without
progress, in which the job cannot renew its lease, file size per photo, peak RSS).

The demo county gets a November 2026 of `--tickets` tickets, each with a before and an after photo whose 320 px
thumbnail copies are distinct JPEGs (as uploads leave them; the XLSX reads only those), and an October of
`--pdf-tickets` tickets whose photos have 1600 × 1200 display copies (the PDF prints its own 640-px copies of
them, made as it renders). `gridpatrol serve` (one process, no background worker) then exports November as XLSX
and October as PDF, as the ledger clerk.

Run: .venv/bin/python bench/exports.py [--db sqlite|postgresql|both] [--tickets 10000] [--pdf-tickets 1000]
Targets: XLSX ≥ 300 rows/s and ≤ 250 MB; PDF of 500 tickets ≤ 60 s; photos in the PDF well under 100 KB each.
"""

import argparse
import hashlib
import io
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from PIL import Image, ImageDraw
from sqlalchemy import insert
from sqlmodel import Session, select

from api import migrate
from api.county import demo
from api.county.demo_data import DEMO_PASSWORD
from api.database import make_engine
from api.grid.models import GridCell
from api.tickets.models import Photo
from api.photos.storage import LocalStorage
from api.tickets.models import Ticket, TicketEvent

from bulletin import demo_user, free_port, peak_rss_mb  # bench/, this script's folder, is on sys.path
from queue_latency import drop_database, fresh_database

REPO = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
SOURCE = REPO.parent / "shared" / "photos" / "gps_DSCN0010.jpg"


def picture(base: Image.Image, index: int, size: tuple[int, int], quality: int) -> bytes:
    """A distinct JPEG: the base scene, shifted and numbered, so no two are the same bytes."""
    image = base.resize(size)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 3, size[1] // 6), fill=((index * 37) % 256, (index * 91) % 256, 90))
    draw.text((6, 4), f"#{index}", fill=(255, 255, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def seed(engine, data_dir: Path, n_tickets: int, n_pdf: int, rng: random.Random) -> None:
    storage = LocalStorage(data_dir / "photos")
    with Session(engine) as session:
        demo.load(session)
        session.commit()
        cells = session.exec(select(GridCell.code, GridCell.responsible_bureau_code)).all()
        author = demo_user(session)
    with Image.open(SOURCE) as source:
        base = source.convert("RGB")
    made = 0
    for month, count, variant, size, quality in ((11, n_tickets, "thumb", (320, 240), 75),
                                                 (10, n_pdf, "display", (1600, 1200), 80)):
        tickets, events, photos = [], [], []
        for n in range(count):
            created = datetime(2026, month, 1, 8, tzinfo=TZ) + timedelta(minutes=rng.randrange(29 * 24 * 60))
            cell, bureau = cells[n % len(cells)]
            ticket_id = uuid.uuid4()
            rectified = created + timedelta(hours=rng.choice((3, 5, 30)))
            tickets.append({"id": ticket_id, "author_id": author, "category_code": "0506", "lat": 28.9, "lon": 120.0,
                            "accuracy_m": 5, "located_at": created, "captured_at": created, "cell_code": cell,
                            "bureau_code": bureau or "zhzf", "status": "closed", "source": "inspection",
                            "description": "人行道上停放车辆，影响行人通行", "deadline_at": created + timedelta(days=1),
                            "dispatched_at": created, "completed_at": created, "created_at": created,
                            "rectified_at": rectified, "closed_at": rectified + timedelta(hours=1), "rework_count": 0,
                            "escalated": False, "parked_seconds": 0,
                            "request_sha256": hashlib.sha256(ticket_id.bytes).hexdigest()})
            events += [{"ticket_id": ticket_id, "at": at, "action": action, "from_status": before,
                        "to_status": after, "payload": payload, "actor_id": author}
                       for action, before, after, at, payload in (
                           ("dispatched", "incomplete", "dispatched", created, {}),
                           ("rectify", "dispatched", "rectified", rectified, {"note": "已劝离车辆，恢复通行"}),
                           ("verify", "rectified", "closed", rectified + timedelta(hours=1), {"result": "pass"}))]
            for kind, at in (("before", created), ("after", rectified)):
                data = picture(base, made, size, quality)
                made += 1
                sha256 = hashlib.sha256(data).hexdigest()
                storage.put_derived(sha256, variant, data)  # the copy the export reads; no original needed
                photos.append({"id": uuid.uuid4(), "ticket_id": ticket_id, "kind": kind, "position": 0,
                               "sha256": sha256, "content_type": "image/jpeg", "size": len(data),
                               "uploaded_by": author, "received_at": at, "analysed_at": at, "flags": []})
        if not tickets:
            continue
        with engine.begin() as conn:
            conn.execute(insert(Ticket), tickets)
            conn.execute(insert(TicketEvent), events)
            conn.execute(insert(Photo), photos)


def export(client: httpx.Client, headers: dict, server: subprocess.Popen, body: dict) -> dict:
    """Wall time, and the longest stretch without progress: the job renews its lease only with progress."""
    started = time.perf_counter()
    response = client.post("/api/v1/exports", json=body, headers=headers)
    assert response.status_code == 202, response.text
    export_id = response.json()["id"]
    progress, moved, longest = None, started, 0.0
    while (state := client.get(f"/api/v1/exports/{export_id}", headers=headers).json())["status"] \
            not in ("done", "failed"):
        if state["progress"] != progress:
            progress, moved = state["progress"], time.perf_counter()
        longest = max(longest, time.perf_counter() - moved)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    assert state["status"] == "done", state
    return {"seconds": seconds, "rows": state["rows"], "mb": state["size"] / 1e6,
            "peak_rss_mb": peak_rss_mb(server.pid),
            "longest_without_progress_s": max(longest, time.perf_counter() - moved)}


def measure(kind: str, n_tickets: int, n_pdf: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="gp-exports-"))
    url = fresh_database(kind, workdir)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine, workdir, n_tickets, n_pdf, random.Random(7))
        engine.dispose()
        print(f"[{kind}] seeded {n_tickets + n_pdf} tickets with photo pairs in {time.perf_counter() - started:.0f} s")
        port = free_port()
        env = {**os.environ, "GRIDPATROL_DATA_DIR": str(workdir), "GRIDPATROL_DATABASE_URL": url,
               "GRIDPATROL_SECRET_KEY": "b" * 40, "GRIDPATROL_ACCESS_LOG": "false", "MALLOC_ARENA_MAX": "2"}
        server = subprocess.Popen([str(REPO / ".venv" / "bin" / "gridpatrol"), "serve", "--port", str(port),
                                   "--no-worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                for _ in range(300):
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                token = client.post("/api/v1/auth/token", data={"username": "ledger", "password": DEMO_PASSWORD})
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                idle = peak_rss_mb(server.pid)
                xlsx = export(client, headers, server, {"format": "xlsx", "period": "2026-11"})
                pdf = export(client, headers, server, {"format": "pdf", "period": "2026-10"})
            return {"idle_rss_mb": idle, "xlsx": xlsx, "pdf": pdf}
        finally:
            server.terminate()
            server.wait(30)
    finally:
        drop_database(kind, url)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--pdf-tickets", type=int, default=1000)
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        result = measure(kind, args.tickets, args.pdf_tickets)
        xlsx, pdf = result["xlsx"], result["pdf"]
        print(f"[{kind}] XLSX {xlsx['rows']} rows in {xlsx['seconds']:.1f} s = {xlsx['rows'] / xlsx['seconds']:.0f} "
              f"rows/s, {xlsx['mb']:.0f} MB, server peak RSS {xlsx['peak_rss_mb']:.0f} MB "
              f"(idle after start-up {result['idle_rss_mb']:.0f} MB); PDF {pdf['rows']} tickets in "
              f"{pdf['seconds']:.1f} s (at most {pdf['longest_without_progress_s']:.0f} s without progress), "
              f"{pdf['mb']:.0f} MB ({pdf['mb'] * 1000 / (2 * pdf['rows']):.0f} KB a photo), "
              f"peak RSS after it {pdf['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
