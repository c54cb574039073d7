"""A real HTTP server that takes action calls and never answers them: a hung action server.

    with HungActionServer(port) as server:   # port 0: any free port (server.port says which)
        ...                                  # calls to server.url hang until the block ends
    server.actions                           # the actions Rasa asked for, in order

Each call is read to its end (so the caller's request is fully sent and it waits for the
answer), then held open without a byte of reply until the server stops.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List


class _HoldingHandler(BaseHTTPRequestHandler):
    server: "_HoldingServer"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            action = json.loads(body).get("next_action")
        except ValueError:
            action = None
        self.server.arrived(action)
        self.server.released.wait()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HoldingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _HoldingHandler)
        self.released = threading.Event()
        self.actions: List[str] = []
        self._lock = threading.Lock()

    def arrived(self, action: Any) -> None:
        with self._lock:
            self.actions.append(action)


class HungActionServer:
    """Listens on 127.0.0.1:port and holds every call unanswered until stop()."""

    def __init__(self, port: int = 0) -> None:
        self._server = _HoldingServer(port)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def actions(self) -> List[str]:
        """Returns the names of the actions called so far, in order of arrival."""
        return list(self._server.actions)

    def start(self) -> "HungActionServer":
        """Starts serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Lets the held calls end (closed without an answer) and stops listening."""
        self._server.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "HungActionServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
