"""The guarded input channels (bot/channels.py) without a model or a running server."""
import asyncio
import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.run import create_http_input_channels
from rasa.shared.core.domain import Domain
from sanic.exceptions import InvalidUsage

from bot.channels import (
    EMPTY,
    MAX_MESSAGE_CHARS,
    OK,
    REJECTION_RESPONSES,
    SERVICE_UNAVAILABLE,
    SLASH_REMOVED,
    TOO_LONG,
    CountingOutputChannel,
    GuardedRestInput,
    GuardedSocketIOInput,
    CONVERSATION_ID_HEADER,
    CONVERSATION_TOKEN_HEADER,
    MAX_BODY_BYTES,
    MAX_RAW_MESSAGE_CHARS,
    RATE_LIMITED,
    bearer_token,
    clean_metadata,
    guard,
    handle_guarded,
)
from bot.conversation_tokens import ConversationTokens
from bot.rate_limits import ChannelLimits, SlidingWindowLimit

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(ROOT / "domain.yml")
SECRET = "my-private-words-4711"


def domain_text(name: str) -> Optional[str]:
    """Returns the text of a response in the project's domain.yml."""
    variations = DOMAIN.responses.get(name) or []
    return variations[0]["text"] if variations else None


# --- guard() ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("What is LMS?", ("What is LMS?", OK)),
        ("  What is LMS?\n ", ("What is LMS?", OK)),
        ("", (None, EMPTY)),
        ("   \n\t  ", (None, EMPTY)),
        (None, (None, EMPTY)),
        ("\x00\x01\x1b[31m", ("[31m", OK)),
        ("\x00\x07\x7f\x9b", (None, EMPTY)),
        ("hi\x00 there\x08", ("hi there", OK)),
        ("first line\r\nsecond\tline", ("first line\nsecond line", OK)),
        ("I'm scared 😢 👩‍👩‍👧 ❤️", ("I'm scared 😢 👩‍👩‍👧 ❤️", OK)),
        ("abc\u202edcb", ("abcdcb", OK)),
        ("\ud800lone surrogate", ("lone surrogate", OK)),
        ('/inform{"size_cm": 3}', ('inform{"size_cm": 3}', SLASH_REMOVED)),
        ("  //restart", ("restart", SLASH_REMOVED)),
        ("/", (None, EMPTY)),
        ("a/b is fine", ("a/b is fine", OK)),
        ("<script>alert(1)</script>", ("<script>alert(1)</script>", OK)),
        ("'; DROP TABLE events; --", ("'; DROP TABLE events; --", OK)),
        ('{"size_cm": 3, "grade": 9}', ('{"size_cm": 3, "grade": 9}', OK)),
        (42, ("42", OK)),
        ({"size_cm": 3}, ('{"size_cm": 3}', OK)),
    ],
)
def test_guard(raw: Any, expected: Tuple[Optional[str], str]) -> None:
    assert guard(raw) == expected


def test_guard_length_limit_counts_the_cleaned_text() -> None:
    assert guard("x" * MAX_MESSAGE_CHARS) == ("x" * MAX_MESSAGE_CHARS, OK)
    assert guard("x" * (MAX_MESSAGE_CHARS + 1)) == (None, TOO_LONG)
    assert guard("x" * 10_000) == (None, TOO_LONG)
    assert guard("  " + "x" * MAX_MESSAGE_CHARS + "\x00" * 50) == ("x" * MAX_MESSAGE_CHARS, OK)


def test_guard_output_never_starts_with_the_intent_prefix() -> None:
    for raw in ["/greet", " /greet", "\x00/greet", "///greet", "/ /greet"]:
        text, _ = guard(raw)
        assert text is None or not text.startswith("/"), raw


def test_the_responses_the_channels_send_exist_in_the_domain() -> None:
    for name in [*REJECTION_RESPONSES.values(), SERVICE_UNAVAILABLE]:
        assert domain_text(name), f"{name} is missing from domain.yml"


# --- handle_guarded(): the guard and the silence guard ---------------------------------


class FakeModel:
    """Stands in for Rasa's on_new_message: records texts, and replies, stays silent or fails."""

    def __init__(self, behaviour: str = "reply") -> None:
        self.behaviour = behaviour
        self.texts: List[str] = []
        self.senders: List[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.texts.append(message.text)
        self.senders.append(message.sender_id)
        if self.behaviour == "reply":
            await message.output_channel.send_response(message.sender_id, {"text": "an answer"})
        elif self.behaviour == "buttons":
            await message.output_channel.send_response(
                message.sender_id, {"text": "pick one", "buttons": [{"title": "A", "payload": "a"}]}
            )
        elif self.behaviour == "fail":
            raise RuntimeError(f"could not handle {message.text}")
        elif self.behaviour == "reply then fail":
            await message.output_channel.send_response(message.sender_id, {"text": "the first part"})
            raise RuntimeError(f"could not finish {message.text}")


async def run_guarded(text: Any, model: FakeModel) -> List[Dict[str, Any]]:
    collector = CollectingOutputChannel()
    await handle_guarded(UserMessage(text, collector, "patient-1"), model, domain_text)
    return collector.messages


async def test_a_normal_message_reaches_the_model_and_only_its_reply_is_sent() -> None:
    model = FakeModel("reply")
    assert [m["text"] for m in await run_guarded("What is LMS?", model)] == ["an answer"]
    assert model.texts == ["What is LMS?"]


async def test_buttons_count_as_a_reply() -> None:
    messages = await run_guarded("hello", FakeModel("buttons"))
    assert len(messages) == 1 and messages[0]["buttons"]


@pytest.mark.parametrize(
    "text, response", [("", "utter_empty_message"), ("   ", "utter_empty_message"),
                       ("x" * 10_000, "utter_message_too_long")]
)
async def test_empty_and_long_messages_get_the_domain_reply_without_the_model(
    text: str, response: str
) -> None:
    model = FakeModel("reply")
    messages = await run_guarded(text, model)
    assert [m["text"] for m in messages] == [domain_text(response)]
    assert [m["recipient_id"] for m in messages] == ["patient-1"]
    assert model.texts == []


async def test_a_typed_intent_reaches_the_model_as_plain_text() -> None:
    model = FakeModel("reply")
    await run_guarded('/inform{"size_cm": 3}', model)
    assert model.texts == ['inform{"size_cm": 3}']


async def test_silence_from_the_model_gets_the_unavailable_notice() -> None:
    messages = await run_guarded("What is LMS?", FakeModel("silent"))
    assert [m["text"] for m in messages] == [domain_text(SERVICE_UNAVAILABLE)]


async def test_a_failing_model_gets_the_notice_and_the_log_keeps_the_text_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    messages = await run_guarded(f"tell me about {SECRET}", FakeModel("fail"))
    assert [m["text"] for m in messages] == [domain_text(SERVICE_UNAVAILABLE)]
    assert "RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    assert "Traceback" not in json.dumps(messages)


async def test_a_turn_that_fails_after_part_of_an_answer_also_gets_the_notice() -> None:
    messages = await run_guarded("What is LMS?", FakeModel("reply then fail"))
    assert [m["text"] for m in messages] == ["the first part", domain_text(SERVICE_UNAVAILABLE)]


async def test_a_cancelled_message_sends_nothing() -> None:
    async def cancelled(message: UserMessage) -> None:
        raise asyncio.CancelledError()

    collector = CollectingOutputChannel()
    await handle_guarded(UserMessage("hi", collector, "p"), cancelled, domain_text)
    assert collector.messages == []


async def test_a_missing_domain_response_sends_nothing_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    collector = CollectingOutputChannel()
    await handle_guarded(UserMessage("", collector, "p"), FakeModel(), lambda name: None)
    assert collector.messages == []
    assert "utter_empty_message" in caplog.text


async def test_the_counting_channel_passes_everything_on() -> None:
    collector = CollectingOutputChannel()
    counting = CountingOutputChannel(collector)
    assert counting.name() == collector.name()
    await counting.send_text_message("p", "one")
    await counting.send_response("p", {"text": "two", "buttons": [{"title": "t", "payload": "t"}]})
    await counting.send_image_url("p", "http://example.org/a.png")
    assert counting.sent == 3
    assert counting.messages is collector.messages
    assert [m.get("text") for m in collector.messages] == ["one", "two", None]


# --- the channels as credentials.yml configures them -------------------------------------


def test_credentials_yml_configures_the_guarded_channels_with_rasa_urls() -> None:
    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    by_type = {type(channel): channel for channel in channels}
    assert set(by_type) == {GuardedRestInput, GuardedSocketIOInput}
    assert by_type[GuardedRestInput].url_prefix() == "rest"
    sio = by_type[GuardedSocketIOInput]
    assert sio.url_prefix() == "socketio"
    assert (sio.user_message_evt, sio.bot_message_evt, sio.session_persistence) == (
        "user_uttered", "bot_uttered", True)


class FakeAgent:
    """The part of Rasa's Agent the channels use: a domain and handle_message."""

    def __init__(self, domain: Domain, behaviour: str = "silent") -> None:
        self.domain = domain
        self.model = FakeModel(behaviour)

    async def handle_message(self, message: UserMessage) -> None:
        await self.model(message)


class FakeRequest:
    """The parts of a Sanic request the REST channel reads."""

    def __init__(self, body: bytes, method: str = "POST", path: str = "/webhooks/rest/webhook",
                 headers: Optional[Dict[str, str]] = None, ip: str = "192.0.2.1") -> None:
        self.body = body
        self.method = method
        self.path = path
        self.headers = {key.lower(): value for key, value in (headers or {}).items()}
        self.args: Dict[str, Any] = {}
        self.ctx = SimpleNamespace()
        self.ip = ip
        self.remote_addr = ""

    @property
    def json(self) -> Any:
        """Returns the parsed body, raising like Sanic when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            raise InvalidUsage("Failed when parsing body as json") from None


TOKENS = ConversationTokens("channel-test-secret-0123456789abcdef0123", lifetime_seconds=600)


@pytest.fixture
async def rest_webhook():
    """Returns post(body, token=None) -> (status, JSON, headers) through the guarded REST blueprint."""
    domain = Domain.from_dict({"responses": {
        SERVICE_UNAVAILABLE: [{"text": "unavailable, from the loaded model"}],
        "utter_empty_message": [{"text": "empty, from the loaded model"}],
    }})
    app = SimpleNamespace(ctx=SimpleNamespace(agent=FakeAgent(domain)),
                          config=SimpleNamespace(REQUEST_MAX_SIZE=100_000_000))
    channel = GuardedRestInput()
    channel.tokens = TOKENS
    channel.limits = ChannelLimits(SlidingWindowLimit(5), SlidingWindowLimit(8))
    blueprint = channel.blueprint(app.ctx.agent.handle_message)
    # Sanic 21.12 starts only one app per process, so the blueprint's parts are called
    # directly, in the order Sanic would: start-up listener, then middleware, then route.
    for future in blueprint._future_listeners:
        if future.event == "before_server_start":
            await future.listener(app, None)
    assert channel._app is app
    assert app.config.REQUEST_MAX_SIZE == MAX_BODY_BYTES == 64 * 1024
    middleware = {future.attach_to: future.middleware for future in blueprint._future_middleware}
    assert middleware == {"request": channel.authorize, "response": channel.hand_out_token}
    routes = {route.uri: route.handler for route in blueprint._future_routes}

    async def post(body: bytes, token: Optional[str] = None, path: str = "/webhook",
                   content_type: str = "application/json", ip: str = "192.0.2.1"):
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = FakeRequest(body, path=f"/webhooks/rest{path}", headers=headers, ip=ip)
        reply = await channel.authorize(request) or await routes[path](request)
        await channel.hand_out_token(request, reply)
        return reply.status, json.loads(reply.body), reply.headers

    post.model = app.ctx.agent.model
    post.channel = channel
    return post


async def test_rest_replies_from_the_loaded_models_domain(rest_webhook) -> None:
    status, messages, headers = await rest_webhook(b'{"message": "hello"}')
    assert status == 200
    sender = headers[CONVERSATION_ID_HEADER]
    token = headers[CONVERSATION_TOKEN_HEADER]
    assert messages == [{"recipient_id": sender, "text": "unavailable, from the loaded model"}]
    status, messages, _ = await rest_webhook(b'{"message": " \\u0000 "}', token)
    assert messages == [{"recipient_id": sender, "text": "empty, from the loaded model"}]
    # A response the loaded model lacks comes from domain.yml.
    status, messages, _ = await rest_webhook(json.dumps({"message": "x" * 5000}).encode(), token)
    assert [m["text"] for m in messages] == [domain_text("utter_message_too_long")]
    assert rest_webhook.model.texts == ["hello"]
    assert rest_webhook.model.senders == [sender]


async def test_rest_a_named_sender_without_a_token_gets_a_new_conversation(rest_webhook) -> None:
    victim, victim_token = TOKENS.start("rest")
    status, messages, headers = await rest_webhook(
        json.dumps({"sender": victim, "message": "it's 20 cm"}).encode())
    assert status == 200
    new = headers[CONVERSATION_ID_HEADER]
    assert new != victim and new.startswith("rest-")
    assert messages[0]["recipient_id"] == new
    assert rest_webhook.model.senders == [new]
    assert TOKENS.conversation_of(headers[CONVERSATION_TOKEN_HEADER], "rest") == new


async def test_rest_a_token_for_one_conversation_cannot_name_another(rest_webhook) -> None:
    victim, _ = TOKENS.start("rest")
    _, attacker_token = TOKENS.start("rest")
    status, payload, _ = await rest_webhook(
        json.dumps({"sender": victim, "message": "what stage is it?"}).encode(), attacker_token)
    assert status == 403 and "sender" in payload["error"]
    assert rest_webhook.model.texts == []


@pytest.mark.parametrize("token", [
    "garbage", ConversationTokens("another-server-secret-0123456789abcdef").issue("rest-victim123"),
    TOKENS.issue("ws-0123456789abcdef"),  # a socket.io conversation over REST
    ConversationTokens(TOKENS.secret, lifetime_seconds=-10).issue("rest-victim123"),
])
async def test_rest_refuses_a_bad_token(rest_webhook, token: str) -> None:
    status, payload, headers = await rest_webhook(b'{"message": "hello"}', token)
    assert status == 401 and "token" in payload["error"]
    assert CONVERSATION_TOKEN_HEADER not in headers
    assert rest_webhook.model.texts == []


async def test_rest_the_token_decides_the_conversation(rest_webhook) -> None:
    sender, token = TOKENS.start("rest")
    for body in (b'{"message": "one"}', json.dumps({"sender": sender, "message": "two"}).encode()):
        status, messages, headers = await rest_webhook(body, token)
        assert status == 200 and messages[0]["recipient_id"] == sender
        assert CONVERSATION_TOKEN_HEADER not in headers
    assert rest_webhook.model.senders == [sender, sender]


async def test_rest_start_conversation_endpoint(rest_webhook) -> None:
    status, payload, _ = await rest_webhook(b"", path="/conversation")
    assert status == 200 and payload["expires_in"] == 600
    assert TOKENS.conversation_of(payload["token"], "rest") == payload["sender"]


@pytest.mark.parametrize("body", [b"[1, 2]", b"not json", b"", b'"text"'])
async def test_rest_refuses_a_request_without_a_json_object(rest_webhook, body: bytes) -> None:
    status, payload, _ = await rest_webhook(body)
    assert status == 400
    assert "JSON" in payload["error"]
    assert rest_webhook.model.texts == []


async def test_rest_health_check_passes_the_token_check() -> None:
    channel = GuardedRestInput()
    channel.tokens = TOKENS
    assert await channel.authorize(FakeRequest(b"", method="GET", path="/webhooks/rest/")) is None


async def test_rest_turns_a_non_text_message_into_text(rest_webhook) -> None:
    body = b'{"message": {"size_cm": 3}, "metadata": "not an object"}'
    status, messages, _ = await rest_webhook(body)
    assert status == 200 and messages[0]["recipient_id"].startswith("rest-")
    assert rest_webhook.model.texts == ['{"size_cm": 3}']


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", ""])
async def test_rest_refuses_anything_but_json(rest_webhook, content_type: str) -> None:
    status, payload, headers = await rest_webhook(b'{"message": "hello"}', content_type=content_type)
    assert status == 415 and "application/json" in payload["error"]
    assert CONVERSATION_TOKEN_HEADER not in headers
    assert rest_webhook.model.texts == []


async def test_rest_accepts_json_with_a_charset(rest_webhook) -> None:
    status, _, _ = await rest_webhook(b'{"message": "hello"}', content_type="application/json; charset=utf-8")
    assert status == 200


def test_bearer_token() -> None:
    assert bearer_token(FakeRequest(b"", headers={"Authorization": "Bearer abc"})) == "abc"
    assert bearer_token(FakeRequest(b"", headers={"Authorization": "bearer  abc "})) == "abc"
    assert bearer_token(FakeRequest(b"", headers={"Authorization": "Basic abc"})) is None
    assert bearer_token(FakeRequest(b"", headers={"Authorization": "Bearer "})) is None
    assert bearer_token(FakeRequest(b"")) is None


class RecordingSocketServer:
    """Records what the socket.io handlers emit, which rooms they enter and the sessions they save."""

    def __init__(self) -> None:
        self.emitted: List[Tuple[str, Any, Optional[str]]] = []
        self.rooms: List[Tuple[str, str]] = []
        self.sessions: Dict[str, Dict[str, Any]] = {}

    async def emit(self, event: str, data: Any = None, room: Optional[str] = None, **_: Any) -> None:
        self.emitted.append((event, data, room))

    async def enter_room(self, sid: str, room: str, namespace: Optional[str] = None) -> None:
        self.rooms.append((sid, room))

    async def save_session(self, sid: str, session: Dict[str, Any], namespace: Optional[str] = None) -> None:
        self.sessions[sid] = dict(session)

    async def get_session(self, sid: str, namespace: Optional[str] = None) -> Dict[str, Any]:
        return dict(self.sessions.get(sid, {}))


@pytest.fixture
def socket_channel(monkeypatch: pytest.MonkeyPatch):
    """The guarded socket.io channel's handlers, with emit, rooms and sessions recorded."""
    channel = GuardedSocketIOInput(session_persistence=True)
    channel.tokens = TOKENS
    channel.limits = ChannelLimits(SlidingWindowLimit(4), SlidingWindowLimit(6))
    model = FakeModel("silent")
    channel.blueprint(model)
    assert channel.sio.eio.max_http_buffer_size == MAX_BODY_BYTES
    recorder = RecordingSocketServer()
    for name in ("emit", "enter_room", "save_session", "get_session"):
        monkeypatch.setattr(channel.sio, name, getattr(recorder, name))
    return channel.sio.handlers["/"], recorder, model


async def test_socketio_session_request_issues_a_conversation_and_a_token(socket_channel) -> None:
    handlers, recorder, _ = socket_channel
    await handlers["session_request"]("sid-1", None)
    (event, token, room), = recorder.emitted
    conversation_id = TOKENS.conversation_of(token, "ws")
    assert (event, room) == ("session_confirm", "sid-1") and conversation_id
    assert recorder.rooms == [("sid-1", conversation_id)]
    assert recorder.sessions["sid-1"] == {"conversation_id": conversation_id}
    # After a reload the widget sends the token back as its session_id: same conversation.
    await handlers["session_request"]("sid-2", {"session_id": token})
    assert recorder.emitted[1] == ("session_confirm", token, "sid-2")
    assert recorder.sessions["sid-2"] == {"conversation_id": conversation_id}


@pytest.mark.parametrize("claimed", ["ws-0123456789abcdef0123456789abcdef", "conv-1", 7, {"x": 1},
                                     ConversationTokens("another-server-secret-0123456789abcdef").issue("ws-0123456789abcdef")])
async def test_socketio_naming_a_conversation_gets_a_new_one(socket_channel, claimed) -> None:
    handlers, recorder, _ = socket_channel
    await handlers["session_request"]("sid-1", {"session_id": claimed})
    (_, token, _), = recorder.emitted
    conversation_id = recorder.sessions["sid-1"]["conversation_id"]
    assert conversation_id != claimed and TOKENS.conversation_of(token, "ws") == conversation_id


async def test_socketio_messages_go_to_the_sockets_own_conversation(socket_channel) -> None:
    handlers, recorder, model = socket_channel
    victim, _ = TOKENS.start("ws")
    await handlers["session_request"]("sid-1", {})
    own = recorder.sessions["sid-1"]["conversation_id"]
    recorder.emitted.clear()
    await handlers["user_uttered"]("sid-1", {"message": "it's 20 cm", "session_id": victim})
    assert model.senders == [own]
    assert recorder.emitted == [("bot_uttered", {"text": domain_text(SERVICE_UNAVAILABLE)}, own)]


async def test_socketio_a_message_before_the_session_request_is_ignored(socket_channel) -> None:
    handlers, recorder, model = socket_channel
    victim, _ = TOKENS.start("ws")
    await handlers["user_uttered"]("sid-9", {"message": "hello", "session_id": victim})
    assert model.texts == [] and recorder.emitted == []


async def test_socketio_silence_gets_the_notice_and_bad_payloads_do_not_crash(socket_channel) -> None:
    handlers, recorder, model = socket_channel
    await handlers["session_request"]("sid-1", {})
    conversation_id = recorder.sessions["sid-1"]["conversation_id"]
    recorder.emitted.clear()
    await handlers["user_uttered"]("sid-1", {"message": "hello", "metadata": "{not json"})
    assert recorder.emitted == [("bot_uttered", {"text": domain_text(SERVICE_UNAVAILABLE)}, conversation_id)]
    await handlers["user_uttered"]("sid-1", "just a string")
    await handlers["user_uttered"]("sid-1", {"message": 7})
    assert model.texts == ["hello", "7"]
    recorder.emitted.clear()
    await handlers["user_uttered"]("sid-1", {"message": "\x00  "})
    assert recorder.emitted == [("bot_uttered", {"text": domain_text("utter_empty_message")}, conversation_id)]


@pytest.mark.parametrize("origin, allowed", [
    (None, True),  # not a browser: no page to borrow
    ("http://localhost:8080", True),
    ("http://127.0.0.1:8080/", True),
    ("https://evil.example", False),
    ("http://localhost:8081", False),
    ("null", False),
])
async def test_socketio_refuses_origins_outside_cors_origins(monkeypatch, origin, allowed) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "http://localhost:8080 http://127.0.0.1:8080")
    channel = GuardedSocketIOInput(session_persistence=True)
    channel.tokens = TOKENS
    channel.blueprint(FakeModel("silent"))
    recorder = RecordingSocketServer()
    monkeypatch.setattr(channel.sio, "save_session", recorder.save_session)
    environ = {"HTTP_ORIGIN": origin} if origin else {}
    environ["sanic.request"] = SimpleNamespace(ip="198.51.100.7", remote_addr="")
    assert await channel.sio.handlers["/"]["connect"]("sid-1", environ, None) is allowed
    if allowed:
        assert recorder.sessions["sid-1"] == {"address": "198.51.100.7"}


# --- limits ------------------------------------------------------------------------------


def test_guard_refuses_a_huge_message_before_any_regex_runs(monkeypatch) -> None:
    import bot.channels

    class Exploding:
        def sub(self, *args: Any) -> str:
            raise AssertionError("a regex ran on an over-long message")

    monkeypatch.setattr(bot.channels, "_LINE_BREAKS", Exploding())
    monkeypatch.setattr(bot.channels, "_UNWANTED", Exploding())
    assert guard("\x00" * (MAX_RAW_MESSAGE_CHARS + 1)) == (None, TOO_LONG)
    assert guard(["x" * MAX_RAW_MESSAGE_CHARS]) == (None, TOO_LONG)


@pytest.mark.parametrize("metadata, kept", [
    ({"language": "en"}, {"language": "en"}),
    ({"language": "en", "x": "y" * 1000}, {"language": "en"}),
    ({"language": "e" * 17}, {}),
    ({"language": ["en"]}, {}),
    ('{"language": "de", "other": 1}', {"language": "de"}),
    ("{not json", {}),
    ('{"language": "de"}' + " " * 2000, {}),
    (None, {}), (7, {}), ([1], {}),
])
def test_only_known_short_metadata_is_kept(metadata, kept) -> None:
    assert clean_metadata(metadata) == kept


async def test_rest_metadata_is_whitelisted(rest_webhook) -> None:
    channel = rest_webhook.channel
    request = FakeRequest(json.dumps({"message": "hi", "metadata": {"language": "en", "blob": "x" * 10_000}}).encode())
    assert channel.get_metadata(request) == {"language": "en"}
    assert channel.get_metadata(FakeRequest(b'{"message": "hi", "metadata": {"blob": 1}}')) is None


async def test_rest_rate_limit_per_conversation_gets_a_kind_reply(rest_webhook) -> None:
    sender, token = TOKENS.start("rest")
    statuses = [(await rest_webhook(b'{"message": "hello"}', token))[0] for _ in range(5)]
    status, messages, _ = await rest_webhook(b'{"message": "hello"}', token)
    assert statuses == [200] * 5 and status == 429
    assert messages == [{"recipient_id": sender, "text": domain_text(RATE_LIMITED)}]
    assert len(rest_webhook.model.texts) == 5
    # Another conversation from elsewhere is not affected.
    status, _, _ = await rest_webhook(b'{"message": "hello"}', ip="203.0.113.9")
    assert status == 200


async def test_rest_rate_limit_per_address_counts_new_conversations(rest_webhook) -> None:
    statuses = [(await rest_webhook(b'{"message": "hello"}'))[0] for _ in range(8)]
    status, messages, headers = await rest_webhook(b'{"message": "hello"}')
    assert statuses == [200] * 8 and status == 429
    assert messages[0]["text"] == domain_text(RATE_LIMITED)
    assert CONVERSATION_TOKEN_HEADER not in headers
    status, payload, _ = await rest_webhook(b"", path="/conversation")
    assert status == 429 and payload["error"] == domain_text(RATE_LIMITED)
    assert (await rest_webhook(b'{"message": "hello"}', ip="203.0.113.9"))[0] == 200


async def test_socketio_rate_limit_gets_a_kind_reply(socket_channel) -> None:
    handlers, recorder, model = socket_channel
    recorder.sessions["sid-1"] = {"address": "192.0.2.1"}
    await handlers["session_request"]("sid-1", {})
    conversation_id = recorder.sessions["sid-1"]["conversation_id"]
    for _ in range(5):
        await handlers["user_uttered"]("sid-1", {"message": "hello"})
    assert len(model.texts) == 4
    assert recorder.emitted[-1] == ("bot_uttered", {"text": domain_text(RATE_LIMITED)}, conversation_id)


async def test_socketio_new_conversations_count_against_the_address(socket_channel) -> None:
    handlers, recorder, _ = socket_channel
    for number in range(7):
        recorder.sessions[f"sid-{number}"] = {"address": "192.0.2.1"}
        await handlers["session_request"](f"sid-{number}", {})
    assert "conversation_id" not in recorder.sessions["sid-6"]
    assert recorder.emitted[-1] == ("bot_uttered", {"text": domain_text(RATE_LIMITED)}, "sid-6")


# --- erasing a conversation ---------------------------------------------------------------


@pytest.fixture
def erasing_agent(tmp_path, monkeypatch):
    """An agent with Rasa's lock store and the project's store inside Rasa's fail-safe wrapper."""
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.tracker_store import ProjectSQLTrackerStore

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    store = ProjectSQLTrackerStore(domain=DOMAIN, retention_days=0)
    return SimpleNamespace(domain=DOMAIN, lock_store=InMemoryLockStore(),
                           tracker_store=FailSafeTrackerStore(store), store=store)


def said(sender: str, text: str):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events(sender, [UserUttered(text, {"name": "greet", "confidence": 1.0})])


async def test_erasing_waits_for_the_turn_in_flight(erasing_agent) -> None:
    from bot.channels import erase_conversation

    agent = erasing_agent
    conversation_id, _ = TOKENS.start("ws")
    await agent.store.save(said(conversation_id, "first words"))
    async with agent.lock_store.lock(conversation_id):
        erasing = asyncio.create_task(erase_conversation(agent, conversation_id))
        await asyncio.sleep(0.3)
        assert not erasing.done(), "erased while a turn held the conversation's lock"
        await agent.store.save(said(conversation_id, "words the turn in flight stores"))
    assert await erasing > 0
    assert await agent.store.retrieve(conversation_id) is None


async def test_the_delete_route_erases_only_the_tokens_conversation(erasing_agent) -> None:
    channel = GuardedSocketIOInput(session_persistence=True)
    channel.tokens = TOKENS
    channel._app = SimpleNamespace(ctx=SimpleNamespace(agent=erasing_agent))
    mine, my_token = TOKENS.start("ws")
    other, _ = TOKENS.start("ws")
    for sender in (mine, other):
        await erasing_agent.store.save(said(sender, f"words of {sender}"))

    def delete(token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return channel.erase(FakeRequest(b"", method="DELETE", path="/webhooks/socketio/conversation",
                                         headers=headers), "ws")

    for bad in (None, "forged", TOKENS.issue("rest-0123456789abcdef")):
        assert (await delete(bad)).status == 401
    reply = await delete(my_token)
    assert reply.status == 200 and json.loads(reply.body) == {"deleted": True}
    assert await erasing_agent.store.retrieve(mine) is None
    assert await erasing_agent.store.retrieve(other) is not None
    reply = await delete(my_token)
    assert json.loads(reply.body) == {"deleted": False}


async def test_the_delete_route_before_the_model_is_loaded() -> None:
    channel = GuardedRestInput()
    channel.tokens = TOKENS
    _, token = TOKENS.start("rest")
    request = FakeRequest(b"", method="DELETE", headers={"Authorization": f"Bearer {token}"})
    assert (await channel.erase(request, "rest")).status == 503
