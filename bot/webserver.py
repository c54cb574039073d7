"""Serves the chat page: bot/web/, the rasa-webchat bundle from node_modules, and /config.js.

Only the paths in ROUTES are served, so nothing else on disk is reachable. The page talks to
Rasa's socket.io channel at RASA_SOCKET_URL (default http://localhost:5005); that server must
allow this page's origin (CORS_ORIGINS, passed to `rasa run --cors`).
"""
from __future__ import annotations

import json
import logging
import os
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

from bot import ROOT

logger = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent / "web"
WIDGET_BUNDLE = ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"
DEFAULT_SOCKET_URL = "http://localhost:5005"
SOCKET_TIMEOUT_SECONDS = 15

JS = "text/javascript; charset=utf-8"
ROUTES: Dict[str, Tuple[Path, str]] = {
    "/": (WEB / "index.html", "text/html; charset=utf-8"),
    "/index.html": (WEB / "index.html", "text/html; charset=utf-8"),
    "/page.css": (WEB / "page.css", "text/css; charset=utf-8"),
    "/page.js": (WEB / "page.js", JS),
    "/static/webchat.js": (WIDGET_BUNDLE, JS),
}


def socket_url() -> str:
    """Returns the Rasa socket.io URL the page connects to (RASA_SOCKET_URL or the default)."""
    return os.environ.get("RASA_SOCKET_URL") or DEFAULT_SOCKET_URL


def content_security_policy(socket: str) -> str:
    """Returns a CSP that allows only this server's files and the Rasa socket."""
    parts = urlsplit(socket)
    connect = ["'self'"]
    if parts.scheme in ("http", "https") and parts.netloc:
        websocket = "wss" if parts.scheme == "https" else "ws"
        connect += [f"{parts.scheme}://{parts.netloc}", f"{websocket}://{parts.netloc}"]
    # The widget injects its own <style> elements, hence 'unsafe-inline' for styles only.
    # Its CSS also @imports a web font from Google; style-src 'self' keeps that off the wire.
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        f"connect-src {' '.join(connect)}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    ])


def config_script(socket: str) -> bytes:
    """Returns /config.js: the deployment settings the page reads before starting the widget."""
    config = {"socketUrl": socket}
    return f"window.LMS_WIDGET_CONFIG = {json.dumps(config)};\n".encode()


class PageHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD for the routes above and /config.js; 404 for anything else."""

    server_version = "lms-widget-page"
    socket = DEFAULT_SOCKET_URL
    # Seconds a connection may sit idle or trickle its request before it is closed, so a
    # few slow clients cannot hold every thread.
    timeout = SOCKET_TIMEOUT_SECONDS

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        """Sends the file for the path, or an error."""
        self._respond(include_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        """Sends the headers the GET would send."""
        self._respond(include_body=False)

    def _respond(self, include_body: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/config.js":
            self._send(HTTPStatus.OK, config_script(self.socket), JS, include_body)
            return
        route = ROUTES.get(path)
        if route is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", include_body)
            return
        file, content_type = route
        if not file.exists():
            hint = "Run 'npm install' (or 'make setup') in the project folder." if file == WIDGET_BUNDLE else ""
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, f"Missing {file.name}. {hint}\n".encode(),
                       "text/plain; charset=utf-8", include_body)
            return
        self._send(HTTPStatus.OK, file.read_bytes(), content_type, include_body)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, include_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", content_security_policy(self.socket))
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Logs requests at debug level only (paths, never conversation content)."""
        logger.debug("%s - %s", self.address_string(), format % args)


def make_server(host: str = "127.0.0.1", port: int = 8080, socket: Optional[str] = None) -> ThreadingHTTPServer:
    """Returns a ready (not yet serving) page server bound to host:port."""
    handler = type("ConfiguredPageHandler", (PageHandler,), {"socket": socket or socket_url()})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(host: str = "127.0.0.1", port: int = 8080, socket: Optional[str] = None) -> None:
    """Serves the page until Ctrl-C."""
    if not WIDGET_BUNDLE.exists():
        logger.warning("The widget bundle is missing: run 'npm install' in %s.", ROOT)
    server = make_server(host, port, socket)
    print(f"Chat page on http://{'localhost' if host in ('127.0.0.1', '') else host}:{port} "
          f"(Rasa socket: {server.RequestHandlerClass.socket}). Ctrl-C stops it.", flush=True)
    with server:
        server.serve_forever()
