"""A reverse proxy in front of the live server that can play a bad network: cut off entirely, or
failing writes (503 without forwarding) and dropping replies after the server committed. Every
request it saw is logged, so tests can count what the phone really sent."""

import http.client
import itertools
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Seen:
    method: str
    path: str
    outcome: str  # "offline", "refused" (503, not forwarded), "dropped" (forwarded, reply lost), or the status
    bytes: int = 0  # the reply's body as sent on the wire (compressed when the server compressed it)


@dataclass
class NetworkState:
    offline: bool = False
    flaky: bool = False
    log: list[Seen] = field(default_factory=list)
    writes: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)


class FlakyProxy:
    def __init__(self, upstream: str) -> None:
        self.state = NetworkState()
        target = urlsplit(upstream)
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _record(self, outcome, size=0):
                with state.lock:
                    state.log.append(Seen(self.command, self.path, outcome, size))

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if state.offline:
                    self._record("offline")
                    self.close_connection = True
                    self.connection.close()
                    return
                mode = "pass"
                if state.flaky and self.command in ("PUT", "POST") and self.path.startswith("/api/"):
                    n = next(state.writes)
                    mode = "refuse" if n % 2 else ("drop" if n % 4 == 2 else "pass")
                if mode == "refuse":
                    self._record("refused")
                    payload = b'{"error": {"code": "unavailable", "message": "chaos"}}'
                    self.send_response(503)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                reply = upstream.getresponse()
                data = reply.read()
                upstream.close()
                if mode == "drop":  # the server committed; the phone never hears about it
                    self._record("dropped")
                    self.close_connection = True
                    self.connection.close()
                    return
                self._record(reply.status, len(data))
                self.send_response(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _handle

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # the browser hung up: not our business
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def writes_to(self, prefix: str) -> list[Seen]:
        return [s for s in self.state.log if s.method in ("PUT", "POST") and s.path.startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
