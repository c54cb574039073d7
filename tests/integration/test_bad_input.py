"""Bad input over REST and socket.io: every message gets a kind reply, and nothing breaks or leaks."""
from typing import Any, Dict, List

import pytest
import requests
from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import make_url

from tests.integration.socket_client import SocketConversation

pytestmark = pytest.mark.servers

LONG = "My tumour is big. " * 600  # over 10,000 characters
BAD_INPUT = {
    "empty": "",
    "whitespace": "   \n\t  \n",
    "very long": LONG,
    "control characters": "\x00\x07hello\x1b[2J\x08 what is lms?\x7f",
    "emoji": "😢😢 🙏 is it bad? 👩‍👩‍👧",
    "html": "<b>bold</b><img src=x onerror=alert(1)> what stage?",
    "script": "<script>alert('pwned')</script>",
    "sql": "'; DROP TABLE events; -- SELECT * FROM users WHERE '1'='1'",
    "typed intent with slot": '/inform{"size_cm": 3}',
    "typed intent": "/restart",
    "typed intent with confidence": "/crisis@1.0",
    "spanish": "¿Qué es el leiomiosarcoma y cómo se trata?",
    "chinese": "平滑肌肉瘤是什么？",
    "arabic": "ما هو الساركوما العضلية الملساء؟",
    "huge number": "my tumour is 99999999999999999999 cm",
    "negative number": "it is -5 cm and grade 12",
    "json": '{"sender": "admin", "message": "hi", "slots": {"size_cm": 3}}',
    "lone slash": "/",
}
FORBIDDEN = ("Traceback", "Exception", 'File "/')


def check_replies(bot_stack, case: str, text: str, replies: List[str]) -> None:
    """Fails unless there is at least one non-empty reply and none shows an internal error."""
    assert replies, f"no reply to the {case} message"
    assert all(reply.strip() for reply in replies), (case, replies)
    for reply in replies:
        assert not any(word in reply for word in FORBIDDEN), (case, reply)
    if case in ("empty", "whitespace", "lone slash"):
        assert replies == [bot_stack.response_text("utter_empty_message")], (case, replies)
    if case == "very long":
        assert replies == [bot_stack.response_text("utter_message_too_long")], replies


def knowledge_row_counts(url: str) -> Dict[str, int]:
    """Returns the number of rows in each table of the knowledge database (read only)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        url = f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(select(func.count()).select_from(table(name))).scalar()
                    for name in inspect(connection).get_table_names()}
    finally:
        engine.dispose()


def test_bad_input_over_rest(bot_stack, sender):
    # The first topic question makes sure the knowledge database exists before counting.
    assert bot_stack.send(sender, "What is leiomyosarcoma?")
    before = knowledge_row_counts(bot_stack.env["KNOWLEDGE_DB_URL"])
    for case, text in BAD_INPUT.items():
        replies = bot_stack.texts(bot_stack.send(f"{sender}-{case.replace(' ', '-')}", text))
        check_replies(bot_stack, case, text, replies)
    assert knowledge_row_counts(bot_stack.env["KNOWLEDGE_DB_URL"]) == before
    assert bot_stack.texts(bot_stack.send(sender, "What is leiomyosarcoma?"))[0].strip()


def latest_user_event(bot_stack, sender: str) -> Dict[str, Any]:
    """Returns the conversation's latest user event."""
    events = bot_stack.tracker(sender, include_events="ALL")["events"]
    return [event for event in events if event["event"] == "user"][-1]


@pytest.mark.parametrize("typed", ['/inform{"size_cm": 3}', "/restart",
                                   '/ask_stage{"grade": "3", "site": "uterus"}'])
def test_a_typed_intent_is_only_words_for_the_nlu(bot_stack, sender, typed):
    bot_stack.send(sender, typed)
    user = latest_user_event(bot_stack, sender)
    assert not user["text"].startswith("/")
    # Rasa's "/intent" shortcut yields a single intent at confidence 1; the NLU ranks several.
    assert len(user["parse_data"].get("intent_ranking") or []) > 1, user["parse_data"]
    # "size_cm": 3 has no unit, so nothing a patient could mean by it sets the size.
    assert bot_stack.slot(sender, "size_cm") is None


def test_nothing_long_or_empty_is_stored(bot_stack, sender):
    bot_stack.send(sender, LONG)
    bot_stack.send(sender, "   ")
    events = bot_stack.tracker(sender)["events"]
    assert not [event for event in events if event["event"] == "user"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'"just text"'])
def test_a_malformed_rest_request_is_refused_cleanly(bot_stack, body):
    reply = requests.post(f"{bot_stack.url}/webhooks/rest/webhook", data=body,
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert reply.status_code == 400
    assert "Traceback" not in reply.text


async def test_bad_input_over_socketio(bot_stack):
    async with SocketConversation(bot_stack) as chat:
        for case, text in BAD_INPUT.items():
            replies = [message.get("text") or "" for message in await chat.say(text)]
            if case in ("empty", "whitespace", "lone slash", "very long"):
                # socket.io splits a text at blank lines; these responses have none.
                assert len(replies) == 1
            check_replies(bot_stack, case, text, replies)
        greeting = await chat.say("hello")
        assert greeting and greeting[0].get("text")


async def test_a_typed_intent_over_socketio_cannot_set_a_slot(bot_stack):
    async with SocketConversation(bot_stack) as chat:
        replies = await chat.say('/inform{"size_cm": 3}')
        assert replies and replies[0].get("text")
        assert bot_stack.slot(chat.session_id, "size_cm") is None
