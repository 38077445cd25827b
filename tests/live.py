"""A real `gridpatrol serve` on loopback, for tests that need a process to race, kill and restart."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from api.config import REPO_ROOT
from tests import dbutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, data_dir: Path, name: str, *, workers: int = 1, repo: Path = REPO_ROOT) -> None:
        self.data_dir, self.repo = data_dir, repo  # repo: the checkout whose code the server runs
        self.database_url = dbutil.create_database(data_dir, name)
        self.env = {**os.environ, "GRIDPATROL_DATA_DIR": str(data_dir),
                    "GRIDPATROL_DATABASE_URL": self.database_url, "GRIDPATROL_SECRET_KEY": "s" * 40}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir / "server.log"

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "api.cli", *args], env=self.env, cwd=self.repo,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self) -> "LiveServer":
        log = open(self.log_path, "ab")  # noqa: SIM115  (the child keeps it)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env, cwd=self.repo, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("server did not start:\n" + self.log_path.read_text(errors="replace"))

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handlers, no flushes."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        self.stop()
        dbutil.drop_database(self.database_url)

    def token(self, username: str, password: str = "demo1234") -> dict[str, str]:
        response = httpx.post(f"{self.url}/api/v1/auth/token", data={"username": username, "password": password,
                                                                      "scope": "device"}, timeout=30)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}
