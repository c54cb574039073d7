"""Serve the chat page (bot/web/ and the rasa-webchat widget from node_modules) and the answer desk.

The page connects to Rasa's socket.io channel at --socket-url (default: RASA_SOCKET_URL or
http://localhost:5005). The moderators' answer desk at /desk reads the knowledge base directly
and needs no Rasa server; beyond localhost it asks for DESK_TOKEN (README, "The answer desk").
Example:  python -m bot web --port 8080
"""
from __future__ import annotations

import argparse
import errno
import logging

from bot.cli import CommandError

HELP = "serve the chat page with the web widget, and the answer desk at /desk"


def configure(parser: argparse.ArgumentParser) -> None:
    """Adds --port, --host and --socket-url."""
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--socket-url", help="Rasa server the widget connects to "
                        "(default: RASA_SOCKET_URL or http://localhost:5005)")


def run(args: argparse.Namespace) -> int:
    """Serves the page until Ctrl-C; returns the exit code."""
    from bot.webserver import serve

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        serve(args.host, args.port, args.socket_url)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CommandError(f"Port {args.port} is already in use. Stop what runs there "
                               f"or choose another port with --port.") from None
        raise CommandError(f"Cannot listen on {args.host}:{args.port}: {error.strerror}.") from None
    except KeyboardInterrupt:
        pass
    return 0
