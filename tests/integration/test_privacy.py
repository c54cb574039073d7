"""Privacy: conversations only through their token, the HTTP API needs its token, `forget` deletes, logs keep no text."""
import asyncio
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.integration.socket_client import SocketConversation

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]


def stored_events(bot_stack, sender: str) -> int:
    """Returns how many events of the conversation the SQLite conversation store holds."""
    path = make_url(bot_stack.env["TRACKER_STORE_URL"]).database
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def test_the_http_api_needs_the_token(bot_stack, sender):
    marker = f"private-{uuid.uuid4().hex}"
    bot_stack.send(sender, f"hello, I am {marker}")
    url = f"{bot_stack.url}/conversations/{sender}/tracker"
    refused = [
        requests.get(url, timeout=30),
        requests.get(url, params={"token": "wrong-token"}, timeout=30),
        # Rasa's token check reads only ?token=; a Bearer header counts only with --jwt-secret.
        requests.get(url, headers={"Authorization": f"Bearer {bot_stack.token}"}, timeout=30),
    ]
    for reply in refused:
        assert reply.status_code in (401, 403), reply.status_code
        assert marker not in reply.text and sender not in reply.text
    allowed = requests.get(url, params={"token": bot_stack.token}, timeout=30)
    assert allowed.status_code == 200
    assert marker in allowed.text


@pytest.mark.parametrize("method, path", [
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/someone/story"),
    ("POST", "/conversations/someone/messages"),
    ("POST", "/conversations/someone/trigger_intent"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
])
def test_every_api_endpoint_needs_the_token(bot_stack, method, path):
    reply = requests.request(method, f"{bot_stack.url}{path}", json={"text": "hi", "sender": "user"},
                             timeout=30)
    assert reply.status_code in (401, 403), (method, path, reply.status_code)


def test_forget_deletes_a_stored_conversation(bot_stack, sender):
    bot_stack.send(sender, "my tumour is 4 cm")
    assert stored_events(bot_stack, sender) > 0
    env = {**os.environ, "TRACKER_STORE_URL": bot_stack.env["TRACKER_STORE_URL"],
           "SERVER_SECRET": bot_stack.env["SERVER_SECRET"], "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "bot", "forget", sender, "--url", bot_stack.url]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "through the running bot" in result.stdout  # so under the conversation's lock
    assert stored_events(bot_stack, sender) == 0
    events = bot_stack.tracker(sender)["events"]
    assert not [event for event in events if event["event"] == "user"]
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0, "forgetting an unknown conversation should say so"


def test_logs_keep_no_message_text_or_slot_values(bot_stack, sender):
    marker = f"marker{uuid.uuid4().hex}"
    bot_stack.send(sender, "my tumour is 37.25 cm")
    bot_stack.send(sender, f"my name is {marker}")
    bot_stack.send(sender, f"what is leiomyosarcoma {marker}")
    bot_stack.send(sender, f"/inform{{\"name\": \"{marker}\"}}")
    bot_stack.send(sender, f"{marker} " * 400)  # too long: answered by the channel
    assert bot_stack.slot(sender, "size_cm") == 37.25
    time.sleep(2)
    logs = bot_stack.logs()
    assert logs, "the stack wrote no logs at all"
    assert marker not in logs
    assert "37.25" not in logs


def user_texts(bot_stack, sender: str) -> list:
    """Returns the texts the user sent in the conversation, as the store has them."""
    events = bot_stack.tracker(sender, include_events="ALL")["events"]
    return [event.get("text") for event in events if event["event"] == "user"]


def test_a_rest_hijack_lands_in_a_new_empty_conversation(bot_stack, sender):
    bot_stack.send(sender, "my tumour is 4 cm")
    assert bot_stack.slot(sender, "size_cm") == 4
    before = user_texts(bot_stack, sender)
    webhook = f"{bot_stack.url}/webhooks/rest/webhook"

    # Naming the victim's id without a token: a new conversation of the attacker's own.
    reply = requests.post(webhook, json={"sender": sender, "message": "it's 20 cm and spread to the lungs"},
                          timeout=120)
    assert reply.status_code == 200
    new = reply.headers["X-Conversation-Id"]
    assert new != sender and new.startswith("rest-")
    assert {message["recipient_id"] for message in reply.json()} == {new}
    assert bot_stack.tokens.conversation_of(reply.headers["X-Conversation-Token"], "rest") == new
    assert user_texts(bot_stack, new) == ["it's 20 cm and spread to the lungs"]

    # With a token of one's own, or a made-up one, the victim's id is refused.
    _, own_token = bot_stack.tokens.start("rest")
    for token, status in ((own_token, 403), ("made-up", 401)):
        refused = requests.post(webhook, json={"sender": sender, "message": "what stage is it?"},
                                headers={"Authorization": f"Bearer {token}"}, timeout=120)
        assert refused.status_code == status
        assert "4 cm" not in refused.text

    assert user_texts(bot_stack, sender) == before
    assert bot_stack.slot(sender, "size_cm") == 4


async def test_a_socketio_hijack_lands_in_a_new_empty_conversation(bot_stack):
    async with SocketConversation(bot_stack) as victim:
        await victim.say("my tumour is 4 cm")
        assert bot_stack.slot(victim.session_id, "size_cm") == 4
        before = user_texts(bot_stack, victim.session_id)

        # The attacker names the victim's id in session_request and in every message.
        attacker = SocketConversation(bot_stack, token=victim.session_id)
        async with attacker:
            assert attacker.session_id != victim.session_id
            await attacker.client.emit("user_uttered", {"message": "it's 20 cm and spread to the lungs",
                                                        "session_id": victim.session_id})
            replies = [await asyncio.wait_for(attacker.received.get(), 120)]
            assert replies[0].get("text")
            await asyncio.sleep(SocketConversation.QUIET_SECONDS)
            # The victim heard none of it, and the attacker's words are in the attacker's conversation.
            assert victim.received.empty()
            assert user_texts(bot_stack, attacker.session_id)[-1] == "it's 20 cm and spread to the lungs"
            assert "my tumour is 4 cm" not in user_texts(bot_stack, attacker.session_id)

        assert user_texts(bot_stack, victim.session_id) == before
        assert bot_stack.slot(victim.session_id, "size_cm") == 4


async def test_the_widget_token_resumes_its_conversation_after_a_reload(bot_stack):
    async with SocketConversation(bot_stack) as first:
        await first.say("my tumour is 4 cm")
    async with SocketConversation(bot_stack, token=first.token) as reloaded:
        assert reloaded.session_id == first.session_id and reloaded.token == first.token
        await reloaded.say("hello")
    assert bot_stack.slot(first.session_id, "size_cm") == 4


def test_an_oversized_body_is_rejected_with_413(bot_stack, sender):
    body = b'{"message": "' + b"x" * (100 * 1024) + b'"}'
    reply = requests.post(f"{bot_stack.url}/webhooks/rest/webhook", data=body,
                          headers={"Content-Type": "application/json", **bot_stack.auth_headers(sender)},
                          timeout=60)
    assert reply.status_code == 413
    assert not user_texts(bot_stack, sender)


def test_rest_needs_json(bot_stack, sender):
    reply = requests.post(f"{bot_stack.url}/webhooks/rest/webhook", data="message=hello",
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   **bot_stack.auth_headers(sender)}, timeout=60)
    assert reply.status_code == 415
    assert not user_texts(bot_stack, sender)


async def test_a_cross_origin_socket_is_refused(bot_stack):
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    # The refusal comes at once; the client then disconnects politely, which waits out the long
    # poll in flight (25 s), so the test stops waiting once the refusal is in.
    with pytest.raises((socketio.exceptions.ConnectionError, asyncio.TimeoutError)):
        await asyncio.wait_for(client.connect(bot_stack.url, transports=["polling"], wait_timeout=30,
                                              headers={"Origin": "https://evil.example"}), 10)
    assert client.failed_namespaces == ["/"]
    assert not client.connected
    await client.eio.disconnect(abort=True)
    # The widget page's own origin is let in.
    async with SocketConversation(bot_stack) as chat:
        assert chat.session_id


def test_no_secret_on_the_servers_command_lines(bot_stack):
    for service in bot_stack.stack.services:
        command_line = Path(f"/proc/{service.process.pid}/cmdline").read_bytes().decode()
        assert bot_stack.token not in command_line
        assert bot_stack.env["SERVER_SECRET"] not in command_line


def listening_addresses(port: int) -> set:
    """Returns the local IPv4/IPv6 addresses (hex, as /proc/net shows them) listening on the port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_servers_listen_on_loopback_only(bot_stack):
    loopback = "0100007F"  # 127.0.0.1, little-endian hex
    for service in bot_stack.stack.services:
        assert listening_addresses(service.port) == {loopback}, service.name


async def test_the_delete_button_removes_the_rows(bot_stack):
    async with SocketConversation(bot_stack) as chat:
        await chat.say("my tumour is 4 cm")
        assert stored_events(bot_stack, chat.session_id) > 0
        url = f"{bot_stack.url}/webhooks/socketio/conversation"
        # What the browser asks before a cross-origin DELETE with a token.
        preflight = requests.options(url, headers={
            "Origin": bot_stack.web_url, "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization"}, timeout=30)
        assert preflight.status_code < 300
        assert preflight.headers.get("Access-Control-Allow-Origin") == bot_stack.web_url
        # Someone else's token, or none, deletes nothing.
        _, other = bot_stack.tokens.start("ws")
        for headers in ({}, {"Authorization": f"Bearer {other}"}):
            requests.delete(url, headers=headers, timeout=30)
        assert stored_events(bot_stack, chat.session_id) > 0
        reply = requests.delete(url, headers={"Origin": bot_stack.web_url,
                                              "Authorization": f"Bearer {chat.token}"}, timeout=60)
        assert reply.status_code == 200 and reply.json() == {"deleted": True}
        assert stored_events(bot_stack, chat.session_id) == 0


def test_retention_deletes_while_the_server_runs(bot_stack, sender):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import ProjectSQLTrackerStore

    bot_stack.send(sender, "hello")
    idle = f"{sender}-idle"
    old = UserUttered("an old conversation", {"name": "greet", "confidence": 1.0},
                      timestamp=time.time() - 40 * 24 * 3600)
    from rasa.shared.core.domain import Domain

    store = ProjectSQLTrackerStore(domain=Domain.load(ROOT / "domain.yml"),
                                   url=bot_stack.env["TRACKER_STORE_URL"], retention_days=0)
    asyncio.run(store.save(DialogueStateTracker.from_events(idle, [old])))
    assert stored_events(bot_stack, idle) == 1
    deadline = time.monotonic() + 120
    while stored_events(bot_stack, idle) and time.monotonic() < deadline:
        time.sleep(1)
    assert stored_events(bot_stack, idle) == 0, "retention did not run while the server was up"
    assert stored_events(bot_stack, sender) > 0
