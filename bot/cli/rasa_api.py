"""Talks to a running Rasa server: the REST channel and the conversation tracker of the HTTP API.

Every conversation is one the server starts (`POST /webhooks/rest/conversation`); its token
goes with each message, so the tools talk exactly as any other REST client does.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import requests

from bot import ROOT
from bot.cli import CommandError

DEFAULT_URL = "http://localhost:5005"
TOKEN_FILE = ROOT / "var" / "api_token"
SERVER_NOT_RUNNING = 3
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Conversation:
    """A conversation the server started: its id and the token that leads back to it."""

    sender: str
    token: str


def api_token(given: Optional[str] = None) -> Optional[str]:
    """Returns the HTTP API token: the one given, else RASA_API_TOKEN, else var/api_token, else None."""
    if given:
        return given
    if os.environ.get("RASA_API_TOKEN"):
        return os.environ["RASA_API_TOKEN"]
    if TOKEN_FILE.exists():
        return TOKEN_FILE.read_text().strip() or None
    return None


def _request(method: str, url: str, server: str, **kwargs: Any) -> requests.Response:
    try:
        return requests.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except requests.ConnectionError:
        raise CommandError(
            f"No bot is answering at {server}. Start it first with 'make run' "
            f"(or 'python -m bot run'), wait for 'The bot is running', and try again.",
            SERVER_NOT_RUNNING,
        ) from None
    except requests.Timeout:
        raise CommandError(
            f"The bot at {server} did not answer within {TIMEOUT_SECONDS} s. "
            "Check the Rasa server's output for errors.",
            SERVER_NOT_RUNNING,
        ) from None


def _no_rest_channel(server: str) -> CommandError:
    return CommandError(
        f"{server} has no REST channel. Check that credentials.yml has "
        "'bot.channels.GuardedRestInput:' and that this is the Rasa server (port 5005), "
        "not the widget page."
    )


def start_conversation(server: str) -> Conversation:
    """Asks the server for a new conversation over the REST channel; returns its id and token."""
    server = server.rstrip("/")
    reply = _request("POST", f"{server}/webhooks/rest/conversation", server, json={})
    if reply.status_code in (404, 405):
        raise _no_rest_channel(server)
    if not reply.ok:
        raise CommandError(
            f"The bot at {server} answered HTTP {reply.status_code} when asked for a new "
            "conversation. See the Rasa server's output for the reason."
        )
    body = reply.json()
    return Conversation(sender=body["sender"], token=body["token"])


def send_message(server: str, conversation: Conversation, text: str) -> List[Dict[str, Any]]:
    """Sends one user message to the conversation over the REST channel; returns the bot's messages."""
    server = server.rstrip("/")
    reply = _request(
        "POST",
        f"{server}/webhooks/rest/webhook",
        server,
        json={"sender": conversation.sender, "message": text},
        headers={"Authorization": f"Bearer {conversation.token}"},
    )
    if reply.status_code == 404:
        raise _no_rest_channel(server)
    if reply.status_code in (401, 403):
        raise CommandError(
            f"The bot at {server} refused the conversation token (HTTP {reply.status_code}). "
            "It may have been restarted with another SERVER_SECRET; run the command again."
        )
    if not reply.ok:
        raise CommandError(
            f"The bot at {server} answered HTTP {reply.status_code}. "
            "See the Rasa server's output for the reason."
        )
    return reply.json()


def fetch_events(server: str, sender: str, token: Optional[str]) -> List[Dict[str, Any]]:
    """Returns every event of a conversation from the HTTP API (GET /conversations/<id>/tracker)."""
    server = server.rstrip("/")
    params = {"include_events": "ALL"}
    if token:
        params["token"] = token
    reply = _request(
        "GET", f"{server}/conversations/{sender}/tracker", server, params=params
    )
    if reply.status_code in (401, 403):
        raise CommandError(
            "The Rasa server refused the API token. Pass --token, set RASA_API_TOKEN, "
            "or use the var/api_token written by the 'make run' that started this server."
        )
    if reply.status_code in (404, 405):
        raise CommandError(
            f"{server} does not offer the HTTP API. Start Rasa with --enable-api "
            "('make run' does)."
        )
    if not reply.ok:
        raise CommandError(
            f"Reading the conversation from {server} failed with HTTP {reply.status_code}."
        )
    return reply.json().get("events") or []
