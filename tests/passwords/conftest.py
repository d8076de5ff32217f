"""A stand-in for the Pwned Passwords range API: a real HTTP server on 127.0.0.1, started
by the test, that records every path and header it is sent."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def sha1_hex(password: str) -> str:
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


@dataclass
class RangeServer:
    """Answers GET /range/<prefix> with "SUFFIX:COUNT" lines for the passwords it knows,
    plus padding lines with a count of 0, as the real service does with Add-Padding."""

    breached: dict[str, int] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    #: Seconds to wait before answering (to try the client's timeout).
    delay: float = 0.0
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def add(self, password: str, count: int = 42) -> None:
        self.breached[sha1_hex(password)] = count

    def body(self, prefix: str) -> str:
        lines = [
            f"{digest[5:]}:{count}"
            for digest, count in self.breached.items()
            if digest.startswith(prefix.upper())
        ]
        # Padding: made-up suffixes with a count of 0.
        lines += [hashlib.sha1(f"pad{n}".encode()).hexdigest().upper()[5:] + ":0" for n in range(5)]
        return "\r\n".join(lines)

    def start(self) -> None:
        server_state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server_state.paths.append(self.path)
                server_state.headers.append(dict(self.headers.items()))
                if server_state.delay:
                    time.sleep(server_state.delay)
                prefix = self.path.rsplit("/", 1)[-1]
                payload = server_state.body(prefix).encode("ascii")
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/range/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def range_server() -> Iterator[RangeServer]:
    server = RangeServer()
    server.start()
    yield server
    server.stop()
