"""Serves the chat page and the moderators' answer desk (sanic).

The chat page: bot/web/, the rasa-webchat bundle from node_modules, and /config.js. The page
talks to Rasa's socket.io channel at RASA_SOCKET_URL (default http://localhost:5005); that
server must allow this page's origin (CORS_ORIGINS, passed to `rasa run --cors`).

The answer desk (/desk, bot/desk.py) reads the knowledge base directly, so it works without
the Rasa server. Only the routes registered here and in bot/desk.py are served, so nothing
else on disk is reachable.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import socket as sockets
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.exceptions import MethodNotSupported, NotFound

from bot import ROOT

logger = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent / "web"
WIDGET_BUNDLE = ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"
DEFAULT_SOCKET_URL = "http://localhost:5005"
SOCKET_TIMEOUT_SECONDS = 15

HTML = "text/html; charset=utf-8"
JS = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ROUTES: Dict[str, Tuple[Path, str]] = {
    "/": (WEB / "index.html", HTML),
    "/index.html": (WEB / "index.html", HTML),
    "/page.css": (WEB / "page.css", CSS),
    "/page.js": (WEB / "page.js", JS),
    "/static/webchat.js": (WIDGET_BUNDLE, JS),
    # Safe links and no conversation token in the console, for the page and for embedders.
    "/static/lms-chat-safety.js": (WEB / "chat_safety.js", JS),
    # For other websites: the floating chat button (README, "Embedding the chat").
    "/static/lms-chat-embed.js": (WEB / "embed.js", JS),
    "/static/lms-chat-embed.css": (WEB / "embed.css", CSS),
}
# Sanic keeps a registry of app names; each app made in one process gets its own.
_app_numbers = itertools.count(1)


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


def _file_handler(file: Path, content_type: str):
    async def serve_file(request):
        if not file.exists():
            hint = "Run 'npm install' (or 'make setup') in the project folder." if file == WIDGET_BUNDLE else ""
            return response.text(f"Missing {file.name}. {hint}\n", status=503)
        return response.raw(file.read_bytes(), content_type=content_type)
    return serve_file


def make_app(socket: Optional[str] = None, desk_token: Optional[str] = None) -> Sanic:
    """Returns the page server's sanic app: the chat page, /config.js and the answer desk.

    socket: the Rasa socket URL (default: socket_url()). desk_token: the token the desk asks
    for beyond localhost (default: $DESK_TOKEN; none means the desk is open on localhost only).
    """
    from bot.desk import desk

    app = Sanic(f"lms_page_{next(_app_numbers)}")
    app.config.SOCKET_URL = socket or socket_url()
    app.config.DESK_TOKEN = desk_token if desk_token is not None else os.environ.get("DESK_TOKEN", "")
    # The desk's first search builds the question index (bot/desk.py warms it up at start).
    app.config.RESPONSE_TIMEOUT = 300
    # Seconds a connection may sit idle or trickle its request before it is closed, so a few
    # slow clients cannot hold the server's connections.
    app.config.REQUEST_TIMEOUT = SOCKET_TIMEOUT_SECONDS
    app.config.KEEP_ALIVE_TIMEOUT = SOCKET_TIMEOUT_SECONDS
    policy = content_security_policy(app.config.SOCKET_URL)

    for number, (path, (file, content_type)) in enumerate(ROUTES.items()):
        app.add_route(_file_handler(file, content_type), path, methods=["GET", "HEAD"], name=f"file_{number}")

    @app.route("/config.js", methods=["GET", "HEAD"])
    async def config_js(request):
        return response.raw(config_script(app.config.SOCKET_URL), content_type=JS)

    app.blueprint(desk)

    @app.exception(NotFound)
    async def not_found(request, exception):
        return response.text("Not found\n", status=404)

    @app.exception(MethodNotSupported)
    async def wrong_method(request, exception):
        return response.text("Method not allowed\n", status=405)

    @app.on_response
    async def security_headers(request, reply):
        reply.headers.setdefault("Cache-Control", "no-cache")
        reply.headers.setdefault("X-Content-Type-Options", "nosniff")
        reply.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.path.startswith("/desk"):  # the desk sets its own (bot/desk.py)
            reply.headers.setdefault("Content-Security-Policy", policy)

    return app


def listening_socket(host: str, port: int) -> sockets.socket:
    """Returns a socket listening on host:port; raises OSError (EADDRINUSE) when the port is taken."""
    family = sockets.AF_INET6 if ":" in host else sockets.AF_INET
    sock = sockets.socket(family, sockets.SOCK_STREAM)
    sock.setsockopt(sockets.SOL_SOCKET, sockets.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(100)
    except OSError:
        sock.close()
        raise
    return sock


def serve(host: str = "127.0.0.1", port: int = 8080, socket: Optional[str] = None) -> None:
    """Serves the page and the desk until Ctrl-C."""
    if not WIDGET_BUNDLE.exists():
        logger.warning("The widget bundle is missing: run 'npm install' in %s.", ROOT)
    sock = listening_socket(host, port)
    app = make_app(socket)
    shown = "localhost" if host in ("127.0.0.1", "") else host
    print(f"Chat page on http://{shown}:{port} (Rasa socket: {app.config.SOCKET_URL}).\n"
          f"Answer desk for moderators on http://{shown}:{port}/desk "
          f"({'token required beyond localhost' if app.config.DESK_TOKEN else 'this computer only; set DESK_TOKEN to open it to others'}). "
          "Ctrl-C stops it.", flush=True)
    app.run(sock=sock, access_log=False, motd=False, debug=False)
