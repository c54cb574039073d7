"""Fixtures for the runtime tools: a temporary conversation store and a fake Rasa server."""
from __future__ import annotations

import json
import threading
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from rasa.shared.core.domain import Domain

DOMAIN_YAML = """
version: "3.1"
intents: [greet, ask_stage, inform, affirm]
entities: [grade, size_cm]
slots:
  grade:
    type: text
    mappings: [{type: from_entity, entity: grade}]
  size_cm:
    type: float
    mappings: [{type: from_entity, entity: size_cm}]
  requested_slot:
    type: any
    mappings: [{type: custom}]
forms:
  tumor_form:
    required_slots: [size_cm, grade]
responses:
  utter_greet: [{text: "Hello."}]
  utter_ask_grade: [{text: "What grade is it?"}]
actions: [action_answer]
"""


@pytest.fixture
def domain() -> Domain:
    """A small domain with the slots and form the tool tests use."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Rasa 3 notes that slot auto-fill is gone
        return Domain.from_yaml(DOMAIN_YAML)


@pytest.fixture
def tracker_url(tmp_path, monkeypatch) -> str:
    """Points TRACKER_STORE_URL at a fresh SQLite file; returns the URL."""
    url = f"sqlite:///{tmp_path / 'store' / 'tracker.db'}"
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    return url


# What the fake bot does for a message: (intent, actions, replies).
Reaction = Tuple[str, List[str], List[Dict[str, Any]]]


class FakeRasa:
    """A stand-in for `rasa run --enable-api`: the REST channel (with its conversation tokens) and the tracker endpoint."""

    def __init__(self, script: Dict[str, Reaction], token: Optional[str] = None) -> None:
        self.script = script
        self.token = token
        self.events: Dict[str, List[Dict[str, Any]]] = {}
        self.messages: List[Dict[str, Any]] = []
        self.tokens: Dict[str, str] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _conversation(self, sender: str) -> List[Dict[str, Any]]:
        return self.events.setdefault(sender, [
            {"event": "action", "name": "action_session_start"},
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
        ])

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                if self.path == "/webhooks/rest/conversation":
                    # Like the real channel: the server makes the id and its token.
                    sender = f"rest-{uuid.uuid4().hex}"
                    token = f"token-for-{sender}"
                    fake.tokens[token] = sender
                    return self._json(200, {"sender": sender, "token": token, "expires_in": 60})
                if self.path != "/webhooks/rest/webhook":
                    return self._json(404, {"error": "not found"})
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                authorization = self.headers.get("Authorization", "")
                sender = fake.tokens.get(authorization.removeprefix("Bearer "))
                if sender is None or body.get("sender", sender) != sender:
                    return self._json(401, {"error": "The conversation token is invalid."})
                fake.messages.append(dict(body, sender=sender))
                text = body["message"]
                intent, actions, replies = fake.script.get(text, ("nlu_fallback", ["action_default_fallback"], []))
                events = fake._conversation(sender)
                events.append({"event": "user", "text": text,
                               "parse_data": {"intent": {"name": intent, "confidence": 0.9}}})
                for action in actions:
                    events.append({"event": "action", "name": action})
                for reply in replies:
                    events.append({"event": "bot", "text": reply.get("text")})
                events.append({"event": "action", "name": "action_listen"})
                self._json(200, [dict(reply, recipient_id=sender) for reply in replies])

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                prefix, suffix = "/conversations/", "/tracker"
                if not (parts.path.startswith(prefix) and parts.path.endswith(suffix)):
                    return self._json(404, {"error": "not found"})
                token = parse_qs(parts.query).get("token", [None])[0]
                if fake.token and token != fake.token:
                    return self._json(401, {"error": "NotAuthenticated"})
                sender = unquote(parts.path[len(prefix):-len(suffix)])
                self._json(200, {"sender_id": sender, "events": fake._conversation(sender)})

        return Handler


@pytest.fixture
def fake_rasa():
    """Returns a factory that starts a FakeRasa with a script; stops them all afterwards."""
    started: List[FakeRasa] = []

    def start(script: Dict[str, Reaction], token: Optional[str] = None) -> FakeRasa:
        fake = FakeRasa(script, token)
        fake.thread.start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.server.shutdown()
        fake.server.server_close()


@pytest.fixture
def free_url() -> str:
    """A URL on which nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def domain_file(tmp_path, monkeypatch):
    """Makes the tools read the small test domain instead of the project's domain.yml."""
    import bot.cli.stories

    path = tmp_path / "domain.yml"
    path.write_text(DOMAIN_YAML)
    monkeypatch.setattr(bot.cli.stories, "DOMAIN_FILE", path)
    return path
