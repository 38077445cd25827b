"""`gridpatrol serve`: uvicorn in this process, or several worker processes behind one port.

With several workers each process binds its own SO_REUSEPORT socket, so the kernel spreads new
connections across them. (uvicorn's own multi-worker mode shares one socket, and the process that
wakes first accepts every waiting connection: phones keep their connections open, so one worker
ended up with almost all the load.) The parent only supervises and stays small: `serve` re-executes
itself as `python -m api.server supervise …`, which imports neither the app nor the command line;
migrations run in a short-lived child before anyone serves.
The background worker (overdue marking, escalation, webhooks) runs as a thread in worker 0.
"""

import logging
import os
import signal
import socket
import subprocess
import sys
import threading

log = logging.getLogger("uvicorn.error")
RESTART_PAUSE_S = 1.0


def _start_background_worker() -> None:
    from api.config import get_settings
    from api.database import make_engine
    from api.notifications.worker import run_forever

    settings = get_settings()
    threading.Thread(target=run_forever, args=(make_engine(settings.sqlalchemy_url), settings, threading.Event()),
                     name="gridpatrol-worker", daemon=True).start()


def server_app():
    """The app as a server process runs it: built, then what start-up made frozen (main.freeze_startup_heap)."""
    from api.main import create_app, freeze_startup_heap

    app = create_app()
    freeze_startup_heap()
    return app


def _config(host: str, port: int):
    import uvicorn

    from api.config import get_settings

    settings = get_settings()
    return uvicorn.Config("api.server:server_app", factory=True, host=host, port=port, proxy_headers=True,
                          forwarded_allow_ips=settings.forwarded_allow_ips, access_log=settings.access_log,
                          log_level="info")


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve_worker(index: int, host: str, port: int, background: bool) -> None:
    """One worker process: its own listening socket, the app, and (worker 0) the background worker."""
    import uvicorn

    sock = _listen(host, port)
    if background and index == 0:
        _start_background_worker()
    uvicorn.Server(_config(host, port)).run(sockets=[sock])


def serve(host: str, port: int, workers: int, background: bool) -> None:
    if workers <= 1:
        import uvicorn

        from api.cli import migrate

        migrate()
        if background:
            _start_background_worker()
        uvicorn.Server(_config(host, port)).run()
        return
    # The supervisor needs none of what the command line loaded (typer, settings): a fresh interpreter
    # running only this module keeps it at a few MB.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "api.server", "supervise", host, str(port), str(workers),
                              _flag(background)])


def _flag(background: bool) -> str:
    return "background" if background else "no-background"


def supervise(host: str, port: int, workers: int, background: bool) -> None:
    """Migrate in a child, start the workers, replace any that dies, stop them all on SIGTERM/SIGINT."""
    # Many threads decoding images make glibc keep one malloc arena each; two keep memory in check.
    # glibc reads this when a process starts: the workers below get it (run.sh sets it for one process).
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    # Children are plain interpreters (not multiprocessing): no resource-tracker process.
    if subprocess.run([sys.executable, "-m", "api.cli", "migrate"], check=False).returncode != 0:
        raise SystemExit("migration failed")

    stopping = threading.Event()

    def stop(signum, _frame) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(index: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "api.server", "worker", str(index), host, str(port),
                                 _flag(background)])

    processes = [start(i) for i in range(workers)]
    while not stopping.wait(RESTART_PAUSE_S):
        for index, process in enumerate(processes):
            if process.poll() is not None:  # a crashed worker is replaced; its connections are gone anyway
                log.warning("worker %d exited (%s); restarting", index, process.returncode)
                processes[index] = start(index)
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":  # the supervisor exec'd by serve(), and the workers it starts
    match sys.argv[1:]:
        case ["supervise", host, port, workers, background]:
            logging.basicConfig(format="%(levelname)s:     %(message)s")
            supervise(host, int(port), int(workers), background == "background")
        case ["worker", index, host, port, background]:
            serve_worker(int(index), host, int(port), background == "background")
        case _:
            raise SystemExit("usage: python -m api.server supervise HOST PORT WORKERS background|no-background")
