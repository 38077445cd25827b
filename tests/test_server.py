"""`gridpatrol serve --workers N`: N processes behind one port, a crashed one replaced."""

import os
import signal
import time
from pathlib import Path

import httpx

from tests.live import LiveServer


def _children(pid: int) -> set[int]:
    return {int(c) for task in Path(f"/proc/{pid}/task").iterdir()
            for c in (task / "children").read_text().split()}


def _wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_workers_share_the_port_and_a_crashed_one_is_replaced(tmp_path):
    server = LiveServer(tmp_path, "serve", workers=2)
    try:
        server.start()
        assert _wait_for(lambda: len(_children(server.process.pid)) == 2)
        first, second = sorted(_children(server.process.pid))
        # Both listen: with one of them gone, every new connection still finds the other.
        os.kill(first, signal.SIGKILL)
        for _ in range(20):
            assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
        assert _wait_for(lambda: len(_children(server.process.pid)) == 2 and first not in _children(server.process.pid))
        assert second in _children(server.process.pid)
        replacement = (_children(server.process.pid) - {second}).pop()
        assert _wait_for(lambda: _serves(server.url))  # the replacement binds the port again
        os.kill(second, signal.SIGKILL)
        assert _wait_for(lambda: _serves(server.url))
        assert replacement in _children(server.process.pid)
    finally:
        server.close()
    assert server.process.returncode is not None  # SIGTERM to the group stopped the supervisor too


def _serves(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
