"""A real HTTP server that takes action calls and never answers them: a hung action server.

    with HungActionServer(port) as server:   # port 0: any free port (server.port says which)
        ...                                  # calls to server.url hang until the block ends
    server.actions                           # the actions Rasa asked for, in order
    server.held                              # those of them left unanswered

Each call is read to its end (so the caller's request is fully sent and it waits for the
answer), then held open without a byte of reply until the server stops.

With `upstream` (a real action server's webhook URL), `pass_next(n)` makes the server pass
the next n calls to it and send back its answer, as an action server that hangs part way
through a turn (or one of two balanced action servers that hangs) would.
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List, Optional, Tuple


class _HoldingHandler(BaseHTTPRequestHandler):
    server: "_HoldingServer"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            action = json.loads(body).get("next_action")
        except ValueError:
            action = None
        if self.server.arrived(action):
            status, answer = self.server.ask_upstream(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        self.server.released.wait()
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _HoldingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, upstream: Optional[str]) -> None:
        super().__init__(("127.0.0.1", port), _HoldingHandler)
        self.upstream = upstream
        self.released = threading.Event()
        self.actions: List[str] = []
        self.held: List[str] = []
        self.passes = 0
        self._lock = threading.Lock()

    def arrived(self, action: Any) -> bool:
        """Records a call; returns True when it is to be passed on, False when it is to be held."""
        with self._lock:
            self.actions.append(action)
            if self.passes > 0:
                self.passes -= 1
                return True
            self.held.append(action)
            return False

    def ask_upstream(self, body: bytes) -> Tuple[int, bytes]:
        request = urllib.request.Request(self.upstream, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as error:  # 400: the action rejected its execution
            return error.code, error.read()


class HungActionServer:
    """Listens on 127.0.0.1:port and holds every call unanswered until stop() (unless told to pass it on)."""

    def __init__(self, port: int = 0, upstream: Optional[str] = None) -> None:
        self._server = _HoldingServer(port, upstream)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def actions(self) -> List[str]:
        """Returns the names of the actions called so far, in order of arrival."""
        return list(self._server.actions)

    @property
    def held(self) -> List[str]:
        """Returns the names of the actions whose calls were held unanswered."""
        return list(self._server.held)

    def pass_next(self, calls: int) -> None:
        """Passes the next calls to the upstream action server instead of holding them."""
        if not self._server.upstream:
            raise ValueError("This hung server has no upstream action server to pass calls to.")
        with self._server._lock:
            self._server.passes = calls

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
