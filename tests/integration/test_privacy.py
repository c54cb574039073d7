"""Privacy: the HTTP API needs the token, `python -m bot forget` deletes a conversation, logs keep no text."""
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
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "bot", "forget", sender], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert stored_events(bot_stack, sender) == 0
    events = bot_stack.tracker(sender)["events"]
    assert not [event for event in events if event["event"] == "user"]
    again = subprocess.run([sys.executable, "-m", "bot", "forget", sender], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
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
