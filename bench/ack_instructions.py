"""Instructions the server spends acknowledging a ticket, counted by valgrind's callgrind: the same
figure on every run and whatever else the machine is doing, where tickets per second vary by 2-3x
between sessions of this machine type and not every machine exposes hardware counters (perf stat).

Run: .venv/bin/python bench/ack_instructions.py [--tickets 30] [--db sqlite|postgresql]    (needs valgrind)

One `gridpatrol serve` process (on SQLite, or on PostgreSQL at
postgresql://postgres@127.0.0.1:5432/postgres, whose own processes are not counted) under callgrind,
one client on loopback, each ticket with its own 1600x1200 JPEG (as bench/ingest.py). Counting is
switched on only around the measured requests (after 10 warm-up tickets): first every ticket's PUT,
then every photo's PUT. The background analysis is switched off in the server (it follows the
acknowledgement; bench/ingest.py times it), so the figures are the acknowledgement's path alone:
HTTP, FastAPI, authentication, the database, hashing, the check of the picture data, the fsyncs.
Kernel time is not counted (callgrind sees user space).
valgrind's emulated CPU has no SHA-NI, so OpenSSL's SHA-256 costs it about 16 M instructions per
600 KB photo instead of 0.3 ms: the photo figure is also given without libcrypto.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `tests` (LiveServer) is not an installed package
sys.path.insert(0, str(REPO / "bench"))

from ingest import PG_URL, base_jpeg, distinct  # noqa: E402

# The server, with its background analysis replaced by nothing (see the docstring).
SERVER = ("import sys; import api.photos.service as s; s.analyse_in_background = lambda *a: None; "
          "from api.cli import app; sys.argv[0] = 'gridpatrol'; app()")


def capture(jpeg: bytes) -> tuple[str, str, bytes, dict]:
    data = distinct(jpeg)
    ticket_id, photo_id, now = str(uuid.uuid4()), str(uuid.uuid4()), datetime.now(UTC) - timedelta(minutes=1)
    body = {"category": "0508", "lat": 28.9078, "lon": 120.0270, "accuracy_m": 8.0,
            "located_at": now.isoformat(), "captured_at": now.isoformat(),
            "photos": [{"id": photo_id, "sha256": hashlib.sha256(data).hexdigest(), "content_type": "image/jpeg",
                        "size": len(data)}]}
    return ticket_id, photo_id, data, body


def put_tickets(client: httpx.Client, captures: list) -> None:
    for ticket_id, _, _, body in captures:
        response = client.put(f"/api/v1/tickets/{ticket_id}", json=body)
        assert response.status_code == 201, response.text


def put_photos(client: httpx.Client, captures: list) -> None:
    for ticket_id, photo_id, data, _ in captures:
        response = client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}", content=data,
                              headers={"Content-Type": "image/jpeg"})
        assert response.status_code == 201, response.text


def instructions(dump: Path, *, without: str | None = None) -> int:
    """Total instructions in a callgrind dump, less those of the shared object named `without`."""
    total = int(re.search(r"^totals: (\d+)", dump.read_text(errors="replace"), re.M).group(1))
    if without is None:
        return total
    report = subprocess.run(["callgrind_annotate", "--threshold=100", str(dump)], capture_output=True,
                            text=True, check=True).stdout
    excluded = sum(int(m.group(1).replace(",", "")) for m in re.finditer(r"^\s*([\d,]+) .*" + re.escape(without),
                                                                          report, re.M))
    return total - excluded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=30)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    os.environ["GRIDPATROL_TEST_DATABASE_URL"] = PG_URL if args.db == "postgresql" else ""
    from tests.live import LiveServer  # after the variable is set: tests/dbutil reads it on import

    jpeg = base_jpeg((1600, 1200), 600_000)
    with tempfile.TemporaryDirectory(prefix="ack-instructions-") as tmp:
        server = LiveServer(Path(tmp), "ack")
        server.cli("demo", "--history", "0")
        out = Path(tmp) / "callgrind.out"
        with open(server.log_path, "ab") as log:
            process = subprocess.Popen(
                ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                 sys.executable, "-c", SERVER, "serve", "--port", str(server.port), "--workers", "1"],
                env=server.env, cwd=REPO, stdout=log, stderr=log)
        control = ["callgrind_control", str(process.pid)]
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit("the server did not start under valgrind:\n" + server.log_path.read_text())
                time.sleep(0.5)
            client = httpx.Client(base_url=server.url, headers=server.token("insp01"), timeout=300)
            warm_up = [capture(jpeg) for _ in range(10)]
            put_tickets(client, warm_up)
            put_photos(client, warm_up)
            measured = [capture(jpeg) for _ in range(args.tickets)]
            for phase, run in (("tickets", put_tickets), ("photos", put_photos)):
                subprocess.run([*control[:1], "--instr=on", *control[1:]], check=True, capture_output=True)
                run(client, measured)
                subprocess.run([*control[:1], "--instr=off", *control[1:]], check=True, capture_output=True)
                subprocess.run([*control[:1], f"--dump={phase}", *control[1:]], check=True, capture_output=True)
            client.close()
        finally:
            process.terminate()
            process.wait(60)
            server.close()
        dumps = {re.search(r"^desc: Trigger: .*?(tickets|photos)", p.read_text(errors="replace"), re.M).group(1): p
                 for p in Path(tmp).glob("callgrind.out.*")}
        per_ticket = {phase: instructions(path) / args.tickets / 1e6 for phase, path in dumps.items()}
        photo_no_sha = instructions(dumps["photos"], without="libcrypto") / args.tickets / 1e6
    print(f"server instructions per ticket, {args.tickets} tickets, {args.db}, one process (callgrind):")
    print(f"  PUT ticket                     {per_ticket['tickets']:6.2f} M")
    print(f"  PUT photo                      {per_ticket['photos']:6.2f} M  ({photo_no_sha:.2f} M without libcrypto)")
    print(f"  acknowledged ticket            {per_ticket['tickets'] + per_ticket['photos']:6.2f} M"
          f"  ({per_ticket['tickets'] + photo_no_sha:.2f} M without libcrypto)")


if __name__ == "__main__":
    main()
