"""One running bot (action server, Rasa server, widget page) shared by every test that needs it.

The integration tests (tests/integration/) and the browser test (tests/browser/) both use it,
so it lives at the top of tests/; tests that do not ask for `bot_stack` start nothing.

The session-scoped fixture `bot_stack` starts `bot.launcher.Stack` once, on test ports, with a
throw-away conversation store and the API token "test-token", and stops it at the end:

    pytestmark = pytest.mark.servers

    def test_greeting(bot_stack):
        replies = bot_stack.send("rest-patient-1", "hello")
        assert "automated" in replies[0]["text"]
        assert bot_stack.tracker("rest-patient-1")["slots"]["size_cm"] is None

Conversation ids are the server's to make; `send` signs a token for the id it is given with
the test stack's SERVER_SECRET (as the server would have issued it), so an id must look like
one of the server's: `rest-` and letters, digits, "-" or "_" (the `sender` fixture makes one).

| what | where |
| --- | --- |
| Rasa server (REST, socket.io, HTTP API) | `bot_stack.url` = http://localhost:15005 |
| action server | http://localhost:15055 |
| widget page | `bot_stack.web_url` = http://localhost:18080 |
| another website embedding the chat (allowed by CORS) | http://localhost:18095 |
| conversation store | `bot_stack.env["TRACKER_STORE_URL"]` (SQLite in a temporary folder) |
| server output | `bot_stack.log_dir` (one file per service) |

Set TEST_PORT_OFFSET (for example 100) to move all the ports when two checkouts test at once.

Without a trained model at models/lms-assistant.tar.gz the tests are skipped, except when
the environment variable CI is set: then they fail. Tests in `test_faults.py` stop and
restart servers of the shared stack, so they run after all the others.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
import yaml

from bot.conversation_tokens import ConversationTokens
from bot.launcher import Stack

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "lms-assistant.tar.gz"
DOMAIN_FILE = ROOT / "domain.yml"
TOKEN = "test-token"
SERVER_SECRET = "test-server-secret-only-for-the-test-stack-0123456789"
# TEST_PORT_OFFSET moves all three ports, so that two checkouts can run their tests at once.
_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "0"))
RASA_PORT, ACTION_PORT, WEB_PORT = 15005 + _OFFSET, 15055 + _OFFSET, 18080 + _OFFSET
# Another website that embeds the chat (tests/browser/test_page_browser.py serves it).
EMBED_PORT = 18095 + _OFFSET
REQUEST_TIMEOUT = 120
# Modules whose tests stop and restart servers of the shared stack; they run last.
DISRUPTIVE_MODULES = ("test_faults",)


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Moves the tests that restart servers to the end; leaves out cluster tests unless -m names them."""
    items.sort(key=lambda item: getattr(item.module, "__name__", "").endswith(DISRUPTIVE_MODULES))
    # The cluster tests take minutes and start their own servers: a marker expression that
    # does not mention them (the unit tests' "not servers and ...") must not run them.
    if "cluster" not in (config.getoption("markexpr") or ""):
        cluster_tests = [item for item in items if item.get_closest_marker("cluster")]
        if cluster_tests:
            config.hook.pytest_deselected(items=cluster_tests)
            items[:] = [item for item in items if not item.get_closest_marker("cluster")]


def _domain_responses() -> Dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text())["responses"]


@dataclass
class RunningBot:
    """The started stack and how to talk to it."""

    stack: Stack
    url: str
    web_url: str
    token: str
    env: Dict[str, str]
    log_dir: Path

    responses: Dict[str, Any] = field(default_factory=_domain_responses)
    tokens: ConversationTokens = field(default_factory=lambda: ConversationTokens(SERVER_SECRET))

    def response_text(self, name: str) -> str:
        """Returns the text of a response in domain.yml (its first variation)."""
        return self.responses[name][0]["text"]

    @staticmethod
    def texts(replies: List[Dict[str, Any]]) -> List[str]:
        """Returns the texts of the bot's messages, in order."""
        return [reply.get("text") or "" for reply in replies]

    def auth_headers(self, sender: str) -> Dict[str, str]:
        """Returns the Authorization header with a token for the conversation, as the server issues it."""
        return {"Authorization": f"Bearer {self.tokens.issue(sender)}"}

    def send(self, sender: str, text: str, timeout: float = REQUEST_TIMEOUT) -> List[Dict[str, Any]]:
        """Sends one message to the conversation over the REST channel; returns the bot's messages."""
        reply = requests.post(f"{self.url}/webhooks/rest/webhook", headers=self.auth_headers(sender),
                              json={"sender": sender, "message": text}, timeout=timeout)
        reply.raise_for_status()
        return reply.json()

    def tracker(self, sender: str, include_events: str = "AFTER_RESTART") -> Dict[str, Any]:
        """Returns the conversation's tracker from the HTTP API (slots, events, active_loop).

        include_events: ALL, ALL_SESSIONS, APPLIED, AFTER_RESTART (Rasa's default) or NONE.
        """
        reply = requests.get(f"{self.url}/conversations/{sender}/tracker",
                             params={"token": self.token, "include_events": include_events},
                             timeout=REQUEST_TIMEOUT)
        reply.raise_for_status()
        return reply.json()

    def slot(self, sender: str, name: str) -> Any:
        """Returns one slot's value in the conversation."""
        return self.tracker(sender)["slots"].get(name)

    def logs(self) -> str:
        """Returns everything the services have written to their log files so far."""
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.log_dir.glob("*.log")))

    def restart(self, service: str) -> None:
        """Stops and starts one service ("action server", "Rasa server" or "widget page")."""
        self.stack.stop(only=[service])
        self.start(service)

    def start(self, service: str) -> None:
        """Starts one stopped service and waits until it serves."""
        self.stack.start(only=[service])
        if service == "Rasa server":
            self.wait_until_ready()

    def ensure_running(self) -> None:
        """Starts any service a failed test left stopped."""
        for service in self.stack.services:
            if service.process is None or service.process.poll() is not None:
                self.start(service.name)

    def wait_until_ready(self, timeout: float = 600) -> None:
        """Waits until the Rasa server has loaded the model (its port opens a little earlier)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status = requests.get(f"{self.url}/status", params={"token": self.token}, timeout=5)
                if status.ok and status.json().get("model_file"):
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        pytest.fail(f"The Rasa server did not load the model within {timeout:.0f} s.")


def _knowledge_db_url() -> str:
    return os.environ.get("KNOWLEDGE_DB_URL") or f"sqlite:///{ROOT / 'var' / 'knowledge.db'}"


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    """Starts the action server, the Rasa server and the widget page on test ports; stops them at the end."""
    if not MODEL.exists():
        reason = f"No trained model at {MODEL.relative_to(ROOT)}; run 'make train' first."
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this is a failure, not a skip.)")
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("bot_stack")
    env = {
        "TRACKER_STORE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        "RASA_API_TOKEN": TOKEN,
        "KNOWLEDGE_DB_URL": _knowledge_db_url(),
        "CORS_ORIGINS": f"http://localhost:{WEB_PORT} http://localhost:{EMBED_PORT}",
        "SERVER_SECRET": SERVER_SECRET,
        # Every test client shares one address; the per-conversation limit stays as shipped.
        "RATE_LIMIT_PER_ADDRESS": "0",
        # Retention every 3 seconds, so a test can watch it work while the server runs.
        "RETENTION_SWEEP_MINUTES": "0.05",
        # The privacy tests read the logs at the default level, whatever the shell says.
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    log_dir = tmp / "logs"
    with pytest.MonkeyPatch.context() as patch:
        # The launcher reads the API token from this process's environment (else it would
        # create var/api_token).
        patch.setenv("RASA_API_TOKEN", TOKEN)
        stack = Stack(model=MODEL, rasa_port=RASA_PORT, action_port=ACTION_PORT,
                      web_port=WEB_PORT, env=env, log_dir=log_dir)
        try:
            # Generous: on a busy 2-core machine Rasa alone took 215 s to load the model.
            stack.start(timeout=600)
        except RuntimeError as error:
            logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in log_dir.glob("*.log"))
            pytest.fail(f"The bot did not start: {error}\n{logs}")
        bot = RunningBot(stack=stack, url=f"http://localhost:{RASA_PORT}",
                         web_url=f"http://localhost:{WEB_PORT}", token=TOKEN, env=env, log_dir=log_dir)
        try:
            bot.wait_until_ready()
            yield bot
        finally:
            stack.stop()


@pytest.fixture
def sender(request: pytest.FixtureRequest) -> str:
    """Returns a REST conversation id unique to this test (safe to put in a URL)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:40]
    return f"rest-{name}-{os.getpid()}-{time.monotonic_ns()}"

