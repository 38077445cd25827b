"""Two builds under load at the same time, on the same cores: this checkout and another revision.

Run: .venv/bin/python bench/ingest_ab.py --base REV [--db sqlite|postgresql] [--rounds 4] [--seconds 30]

This machine's speed drifts by a third within minutes, more than most changes are worth, so builds
run one after the other (bench/ingest.py, alternately) compare the hour as much as the code. Here each
build gets its own `gridpatrol serve` (one worker process each) with a fresh demo county, and 8 of the
16 closed-loop clients of bench/ingest.py, all at once: whatever the machine does then, it does to both,
and the build that spends less per ticket completes more of them. REV is checked out into a temporary
git worktree (removed afterwards); the servers run each checkout's own code.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `tests` (LiveServer, dbutil) is not an installed package
sys.path.insert(0, str(REPO / "bench"))

from ingest import PG_URL, Client, Load, Workload, closed_loop, percentile, scene_jpegs  # noqa: E402

CLIENTS_EACH = 8
SCENES = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the revision to compare this checkout with")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    os.environ["GRIDPATROL_TEST_DATABASE_URL"] = PG_URL if args.db == "postgresql" else ""
    from tests.live import LiveServer  # after the variable is set: tests/dbutil reads it on import

    base = subprocess.run(["git", "rev-parse", "--short", args.base], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.strip()
    pictures = scene_jpegs(SCENES, (1600, 1200), 600_000)
    with tempfile.TemporaryDirectory(prefix="ingest-ab-") as tmp:
        checkout = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(checkout), base], cwd=REPO, check=True)
        servers: dict[str, LiveServer] = {}
        try:
            for label, repo in (("this checkout", REPO), (base, checkout)):
                data = Path(tmp) / f"data-{len(servers)}"
                data.mkdir()
                servers[label] = LiveServer(data, f"ab{len(servers)}", repo=repo)
                servers[label].cli("demo", "--history", "0")
                servers[label].start()
            clients = {label: [Client(server.url, server.token(f"insp{i:02d}"), 60)
                               for i in range(1 + CLIENTS_EACH * k, 1 + CLIENTS_EACH * (k + 1))]
                       for k, (label, server) in enumerate(servers.items())}
            print(f"{args.db}: this checkout against {base}, one worker each, {CLIENTS_EACH} clients each,"
                  f" {args.seconds:.0f} s rounds", flush=True)
            for round_ in range(1, args.rounds + 1):
                loads: dict[str, Load] = {}

                def run(label: str, seed: int = round_, loads: dict[str, Load] = loads) -> None:
                    loads[label] = closed_loop(clients[label], Workload(pictures, hotspot=False, seed=seed),
                                               args.seconds)

                threads = [threading.Thread(target=run, args=(label,)) for label in servers]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                rates = {label: len(load.done) / load.elapsed for label, load in loads.items()}
                print(f"round {round_}: " + "   ".join(
                    f"{label} {rates[label]:6.1f} tickets/s (p95"
                    f" {percentile([t.seconds * 1000 for t in loads[label].done], 0.95):4.0f} ms,"
                    f" {sum(loads[label].errors.values())} failed)" for label in servers)
                    + f"   ratio {rates['this checkout'] / rates[base]:.2f}", flush=True)
            for group in clients.values():
                for client in group:
                    client.close()
        finally:
            for server in servers.values():
                server.close()
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=REPO, check=False)


if __name__ == "__main__":
    main()
