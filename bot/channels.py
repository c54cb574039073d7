"""The REST and socket.io input channels: server-issued conversations, a guard in front of the model, a reply behind it.

credentials.yml names them by module path (`bot.channels.GuardedRestInput`,
`bot.channels.GuardedSocketIOInput`). They keep Rasa's names "rest" and "socketio", so the
URLs stay `/webhooks/rest/webhook` and `/socket.io`.

Conversations: the server makes every conversation id (`rest-...`, `ws-...`) and gives the
client a signed, expiring token for it (bot/conversation_tokens.py). Only the token leads back
into a conversation; an id a client names on its own is never used, so nobody can read or
add to another person's conversation by knowing or guessing its id.

Every user message goes through:

1. `guard(text)`: control characters out, whitespace trimmed, a leading "/" removed (Rasa
   would otherwise read "/intent{...}" as an intent with entities and let a user set slots),
   and empty or over-long messages answered at once without calling the model.
2. The model, as usual.
3. The silence guard: if the model sent nothing back (the action server is down, say, and
   Rasa only logs the failure), or the turn failed part way (the conversation store stayed
   locked), or an action failed after part of the answer went out, the user gets
   `utter_service_unavailable`. The turn's calls to the action server share
   `ACTION_TIMEOUT_SECONDS` (bot/action_timeout.py), so a hung action server gets the patient
   that notice within the bound, not after Rasa's 300 seconds.

Rasa wraps the conversation store in a FailSafeTrackerStore, which on a database error
carries on with an empty conversation and keeps the turn in memory, where nothing reads it
again. The channels give that wrapper an error callback that lets the error through
(`store_errors_fail_the_turn`): the store has already tried again (bot/tracker_store.py),
so the turn fails and the patient hears that the service is unavailable.

With several Rasa servers, `SOCKETIO_REDIS_URL` (a redis:// URL) makes the socket.io channel
use python-socketio's `AsyncRedisManager`: a reply emitted to a conversation's room reaches
the widget's socket whichever replica holds it (a second tab, or a reconnect after a replica
died). Unset, the rooms live in the process, as Rasa has them.

The words sent in steps 1 and 3 are domain.yml responses, looked up by name in the loaded
model's domain. Logs here give reasons and error classes, never message text or tokens.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Set, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from rasa.core.tracker_store import FailSafeTrackerStore
from sanic import Blueprint, Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot import ROOT
from bot.action_timeout import bound_action_calls, turn_of_actions
from bot.nlu.plain_letters import plain_letters
from bot.conversation_tokens import REST, SOCKETIO, ConversationTokens
from bot.rate_limits import ChannelLimits
from bot.tracker_store import ConversationStoreUnavailable

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000

OK = "ok"
EMPTY = "empty"
TOO_LONG = "too_long"
SLASH_REMOVED = "leading_slash_removed"

# What the patient reads when a message never reaches the model, by guard reason.
REJECTION_RESPONSES = {EMPTY: "utter_empty_message", TOO_LONG: "utter_message_too_long"}
SERVICE_UNAVAILABLE = "utter_service_unavailable"
RATE_LIMITED = "utter_rate_limited"

# Limits checked before anything else reads a request (see also guard()).
MAX_BODY_BYTES = 64 * 1024
MAX_RAW_MESSAGE_CHARS = 4 * MAX_MESSAGE_CHARS
# The only metadata kept with a message (the widget's customData): key -> longest value.
ALLOWED_METADATA = {"language": 16}

# Where a REST client that started a conversation finds its id and token.
CONVERSATION_ID_HEADER = "X-Conversation-Id"
CONVERSATION_TOKEN_HEADER = "X-Conversation-Token"
CORS_ORIGINS_ENV = "CORS_ORIGINS"
SOCKETIO_REDIS_URL_ENV = "SOCKETIO_REDIS_URL"
DEFAULT_CORS_ORIGINS = "http://localhost:8080 http://127.0.0.1:8080"

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")
# C0 and C1 controls except the newline, lone surrogates (not encodable as UTF-8), the bidi
# overrides that can make text display differently from what it says, and the BOM. Emoji,
# with their joiners and variation selectors, stay.
_UNWANTED = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff]"
)
_INTENT_PREFIX = "/"
_LEADING_SLASHES = re.compile(r"^(?:/\s*)+")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
ResponseText = Callable[[str], Optional[str]]


def guard(text: Any) -> Tuple[Optional[str], str]:
    """Returns (cleaned text, reason), or (None, "empty"/"too_long") for a message the model must not see."""
    if text is None:
        return None, EMPTY
    if not isinstance(text, str):
        text = json.dumps(text) if isinstance(text, (dict, list)) else str(text)
    if len(text) > MAX_RAW_MESSAGE_CHARS:
        # Far too long whatever the cleaning removes: the regexes never see it.
        return None, TOO_LONG
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    # What a reader sees is what the NLU and the crisis keywords get ("kіll" with a Cyrillic і).
    text = plain_letters(_UNWANTED.sub("", text)).strip()
    reason = OK
    if text.startswith(_INTENT_PREFIX):
        # The bot's own buttons send plain text, so a leading "/" only ever comes from
        # a person typing; without it the NLU classifies the message like any other.
        text = _LEADING_SLASHES.sub("", text)
        reason = SLASH_REMOVED
    if not text:
        return None, EMPTY
    if len(text) > MAX_MESSAGE_CHARS:
        return None, TOO_LONG
    return text, reason


class CountingOutputChannel(OutputChannel):
    """Passes every message on to the real output channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        """Returns the real channel's name, so channel-specific responses still apply."""
        return self.inner.name()

    def __getattr__(self, attribute: str) -> Any:
        # Anything else (a REST collector's `messages`, say) is the real channel's.
        if attribute == "inner":
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Sends one bot message through the real channel."""
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Sends a text through the real channel."""
        self.sent += 1
        await self.inner.send_text_message(recipient_id, text, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """Sends an image through the real channel."""
        self.sent += 1
        await self.inner.send_image_url(recipient_id, image, **kwargs)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        """Sends an attachment through the real channel."""
        self.sent += 1
        await self.inner.send_attachment(recipient_id, attachment, **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Sends a text with buttons through the real channel."""
        self.sent += 1
        await self.inner.send_text_with_buttons(recipient_id, text, buttons, **kwargs)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Sends a text with quick replies through the real channel."""
        self.sent += 1
        await self.inner.send_quick_replies(recipient_id, text, quick_replies, **kwargs)

    async def send_elements(
        self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Sends elements through the real channel."""
        self.sent += 1
        await self.inner.send_elements(recipient_id, elements, **kwargs)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Sends custom JSON through the real channel."""
        self.sent += 1
        await self.inner.send_custom_json(recipient_id, json_message, **kwargs)


async def _reply(message: UserMessage, response_name: str, response_text: ResponseText) -> None:
    text = response_text(response_name)
    if not text:
        logger.error(f"The domain has no text for {response_name}; the user got no reply.")
        return
    await message.output_channel.send_response(message.sender_id, {"text": text})


async def handle_guarded(
    message: UserMessage, on_new_message: OnNewMessage, response_text: ResponseText
) -> None:
    """Guards one user message, lets the model handle it, and makes sure the user hears back."""
    text, reason = guard(message.text)
    if text is None:
        logger.info(f"Answered a message without the model ({reason}).")
        await _reply(message, REJECTION_RESPONSES[reason], response_text)
        return
    message.text = text
    counting = CountingOutputChannel(message.output_channel)
    message.output_channel = counting
    try:
        with turn_of_actions() as actions:
            await on_new_message(message)
    except asyncio.CancelledError:
        # The client went away or the server is stopping: nobody is left to answer, and
        # Rasa's REST channel would log the message text on this path.
        logger.warning("Handling a message was cancelled.")
        return
    except ConversationStoreUnavailable:
        logger.error("The conversation store was unreachable; the turn was not run.")
    except Exception as error:
        # The class only: an exception's message may quote the user's text.
        logger.error(f"Handling a message failed with {type(error).__name__}; "
                     f"sent the unavailable notice.")
        logger.debug("Handling a message failed.", exc_info=True)
        # Even after part of an answer: the patient must know the rest is missing.
        await _reply(message, SERVICE_UNAVAILABLE, response_text)
        return
    if counting.sent == 0:
        logger.warning("The model sent no reply to a message; sent the unavailable notice.")
        await _reply(message, SERVICE_UNAVAILABLE, response_text)
    elif actions.failed:
        # Rasa logs a failed action and carries on: what went out is only part of the answer.
        logger.warning("An action failed after part of the answer was sent; sent the unavailable notice.")
        await _reply(message, SERVICE_UNAVAILABLE, response_text)


def _raise(error: Exception) -> None:
    raise error


def store_errors_fail_the_turn(agent: Any) -> None:
    """Makes Rasa's FailSafeTrackerStore pass store errors on instead of carrying on from memory."""
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore) and store._on_tracker_store_error is None:
        # Rasa's own hook (a constructor argument the Agent does not pass); with it, the
        # wrapper neither logs the error's text nor falls back to its in-memory store.
        store._on_tracker_store_error = _raise


def deleting_store(store: Any) -> Any:
    """Returns the store that can delete conversations, inside Rasa's wrappers (FailSafeTrackerStore)."""
    seen = 0
    while store is not None and not hasattr(store, "delete_conversation") and seen < 5:
        store = getattr(store, "_tracker_store", None) or getattr(store, "tracker_store", None)
        seen += 1
    if store is None or not hasattr(store, "delete_conversation"):
        raise TypeError("The configured tracker store cannot delete conversations.")
    return store


async def erase_conversation(agent: Any, conversation_id: str) -> int:
    """Deletes a conversation while holding Rasa's lock for it, so no turn in flight brings it back."""
    store = deleting_store(agent.tracker_store)
    async with agent.lock_store.lock(conversation_id):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, store.delete_conversation, conversation_id)


def clean_metadata(metadata: Any) -> Dict[str, str]:
    """Returns only the known metadata keys with short string values; everything else is dropped."""
    if isinstance(metadata, str) and len(metadata) <= 1024:
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    if not isinstance(metadata, dict):
        return {}
    return {key: value for key, longest in ALLOWED_METADATA.items()
            if isinstance(value := metadata.get(key), str) and len(value) <= longest}


def allowed_origins() -> Set[str]:
    """Returns the web origins allowed to open a socket (CORS_ORIGINS, space-separated)."""
    raw = os.environ.get(CORS_ORIGINS_ENV) or DEFAULT_CORS_ORIGINS
    return {origin.rstrip("/") for origin in raw.split()}


def share_rooms_through_redis(sio: Any) -> bool:
    """Gives the socket.io server a Redis message queue when SOCKETIO_REDIS_URL is set; returns True then."""
    url = os.environ.get(SOCKETIO_REDIS_URL_ENV, "").strip()
    if not url:
        return False
    from socketio import AsyncRedisManager

    # Rasa builds the AsyncServer itself; before the first connection its manager can be
    # swapped (the server initialises it on first use).
    manager = AsyncRedisManager(url, channel="lms-assistant-socketio")
    sio.manager = manager
    manager.set_server(sio)
    logger.info("The socket.io channel shares its rooms through Redis.")
    return True


def _json_object(request: Request) -> Dict[str, Any]:
    try:
        body = request.json
    except InvalidUsage:
        return {}
    return body if isinstance(body, dict) else {}


def _error(status: int, text: str) -> response.HTTPResponse:
    return response.json({"error": text}, status=status)


def client_address(request: Request) -> str:
    """Returns the client's address (from a trusted proxy's header when Sanic is told of one)."""
    return getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "unknown"


def bearer_token(request: Request) -> Optional[str]:
    """Returns the token of an `Authorization: Bearer <token>` header, else None."""
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


class _Guarded:
    """What both guarded channels share: the guarded handler, the domain's responses, the tokens."""

    _app: Optional[Sanic] = None
    _file_domain: Any = None
    _tokens: Optional[ConversationTokens] = None

    @property
    def tokens(self) -> ConversationTokens:
        """Returns the conversation token issuer (server secret and lifetime from the settings)."""
        if self._tokens is None:
            self._tokens = ConversationTokens.from_environment()
        return self._tokens

    @tokens.setter
    def tokens(self, tokens: ConversationTokens) -> None:
        self._tokens = tokens

    _limits: Optional[ChannelLimits] = None

    @property
    def limits(self) -> ChannelLimits:
        """Returns the rate limits per conversation and per client address (from the settings)."""
        if self._limits is None:
            self._limits = ChannelLimits.from_environment()
        return self._limits

    @limits.setter
    def limits(self, limits: ChannelLimits) -> None:
        self._limits = limits

    def _guarded(self, on_new_message: OnNewMessage) -> OnNewMessage:
        async def handler(message: UserMessage) -> None:
            # On every message: Rasa makes a new agent when a model is loaded through the API.
            agent = getattr(self._app.ctx, "agent", None) if self._app else None
            store_errors_fail_the_turn(agent)
            bound_action_calls(agent)
            await handle_guarded(message, on_new_message, self.response_text)

        return handler

    def _remember_app(self, blueprint: Blueprint) -> None:
        async def remember(app: Sanic, _loop: Any) -> None:
            self._app = app
            _ = self.tokens  # reads (or makes) the server secret before the first message
            _ = self.limits  # a bad setting stops the start, not the first message
            # Sanic accepts 100 MB bodies by default; no chat message needs more than this.
            app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_BODY_BYTES)

        blueprint.listener("before_server_start")(remember)

    async def erase(self, request: Request, channel: str) -> response.HTTPResponse:
        """DELETE .../conversation: erases the token's conversation from the store, under Rasa's lock."""
        conversation_id = self.tokens.conversation_of(bearer_token(request), channel)
        if conversation_id is None:
            return _error(401, "The conversation token is invalid or has expired; nothing was deleted.")
        agent = getattr(self._app.ctx, "agent", None) if self._app else None
        if agent is None or getattr(agent, "tracker_store", None) is None:
            return _error(503, "The assistant is still starting. Try again in a minute.")
        try:
            deleted = await erase_conversation(agent, conversation_id)
        except Exception as error:
            logger.error(f"Erasing a conversation failed with {type(error).__name__}.")
            return _error(500, "The conversation could not be deleted. Try again in a minute.")
        logger.info("Erased a conversation at its owner's request.")
        return response.json({"deleted": deleted > 0})

    def response_text(self, name: str) -> Optional[str]:
        """Returns the text of a domain response: from the loaded model, else from domain.yml."""
        agent = getattr(self._app.ctx, "agent", None) if self._app else None
        domain = getattr(agent, "domain", None)
        if domain is None or name not in domain.responses:
            domain = self._domain_file()
        variations = domain.responses.get(name) or []
        return variations[0].get("text") if variations else None

    @classmethod
    def _domain_file(cls) -> Any:
        # Only when no model is loaded yet (or it is older than the response).
        if cls._file_domain is None:
            from rasa.shared.core.domain import Domain

            cls._file_domain = Domain.load(ROOT / "domain.yml")
        return cls._file_domain


class GuardedRestInput(_Guarded, RestInput):
    """Rasa's REST channel (POST /webhooks/rest/webhook) with server-issued conversations and the guards.

    A request without a token starts a new conversation: the reply's `recipient_id` and the
    `X-Conversation-Id` header name it, and `X-Conversation-Token` carries its token. Later
    requests send `Authorization: Bearer <token>`; the token alone decides the conversation,
    and a `sender` in the body, if any, must be the same id. `POST /webhooks/rest/conversation`
    starts a conversation without sending a message.
    """

    @classmethod
    def name(cls) -> Text:
        """Returns "rest", which keeps the URL /webhooks/rest/webhook."""
        return "rest"

    async def authorize(self, request: Request) -> Optional[response.HTTPResponse]:
        """Middleware: decides the conversation of a webhook POST; returns an error response or None."""
        if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
            return None
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            # A web page can post a form or plain text to any site without asking; JSON it cannot.
            return _error(415, "Send the message as JSON with 'Content-Type: application/json'.")
        body = _json_object(request)
        if not body:
            return _error(400, 'The request needs a JSON object body with a "message".')
        token = bearer_token(request)
        new_token = None
        if token is None:
            # No token: a new conversation, never one the client names.
            conversation_id, new_token = self.tokens.start(REST)
        else:
            conversation_id = self.tokens.conversation_of(token, REST)
            if conversation_id is None:
                return _error(401, "The conversation token is invalid or has expired. Send the "
                                   "message without one to start a new conversation.")
            sender = body.get("sender")
            if sender is not None and str(sender) != conversation_id:
                return _error(403, 'The "sender" is not the conversation of this token. Leave '
                                   "it out, or send the id the token was issued for.")
        if not self.limits.allow_message(conversation_id, client_address(request)):
            logger.warning("A REST message was over the rate limit; answered without the model.")
            text = self.response_text(RATE_LIMITED)
            return response.json([{"recipient_id": conversation_id, "text": text}], status=429)
        request.ctx.conversation_id = conversation_id
        request.ctx.new_conversation_token = new_token
        return None

    async def hand_out_token(self, request: Request, reply: response.HTTPResponse) -> None:
        """Response middleware: tells a client whose request started a conversation its id and token."""
        token = getattr(request.ctx, "new_conversation_token", None)
        if token:
            reply.headers[CONVERSATION_ID_HEADER] = request.ctx.conversation_id
            reply.headers[CONVERSATION_TOKEN_HEADER] = token

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return getattr(req.ctx, "conversation_id", None)

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _json_object(req).get("message")
        return message if isinstance(message, str) or message is None else json.dumps(message)

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Returns the known keys of the request's metadata (see ALLOWED_METADATA), or None."""
        return clean_metadata(_json_object(request).get("metadata")) or None

    async def start_conversation(self, request: Request) -> response.HTTPResponse:
        """POST /webhooks/rest/conversation: returns a new conversation's id and token."""
        if not self.limits.allow_new_conversation(client_address(request)):
            return response.json({"error": self.response_text(RATE_LIMITED)}, status=429)
        conversation_id, token = self.tokens.start(REST)
        return response.json({"sender": conversation_id, "token": token,
                              "expires_in": int(self.tokens.lifetime_seconds)})

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Returns Rasa's REST blueprint around the guarded handler, with conversations the server issues."""
        blueprint = super().blueprint(self._guarded(on_new_message))
        self._remember_app(blueprint)
        blueprint.middleware("request")(self.authorize)
        blueprint.middleware("response")(self.hand_out_token)

        # Sanic marks route handlers with attributes, which a bound method cannot take.
        async def conversation(request: Request) -> response.HTTPResponse:
            if request.method == "DELETE":
                return await self.erase(request, REST)
            return await self.start_conversation(request)

        blueprint.route("/conversation", methods=["POST", "DELETE"])(conversation)
        return blueprint


SESSION_KEY = "conversation_id"
ADDRESS_KEY = "address"


class GuardedSocketIOInput(_Guarded, SocketIOInput):
    """Rasa's socket.io channel (used by the web widget) with server-issued conversations and the guards.

    On `session_request` the server resumes the conversation of a valid token (the widget
    sends back, as its `session_id`, the token it was given) or starts a new one, binds it to
    the socket (`save_session`) and answers `session_confirm` with the token. Messages go to
    the bound conversation; a `session_id` a client puts in `user_uttered` is ignored.
    """

    @classmethod
    def name(cls) -> Text:
        """Returns "socketio", the name the widget's conversations are filed under."""
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Returns Rasa's socket.io blueprint around the guarded handler."""
        blueprint = super().blueprint(self._guarded(on_new_message))
        self._remember_app(blueprint)
        sio = self.sio
        share_rooms_through_redis(sio)
        namespace = self.namespace or "/"
        rasa_handler = sio.handlers[namespace][self.user_message_evt]
        rasa_connect = sio.handlers[namespace]["connect"]
        origins = allowed_origins()
        # A long-polling POST may carry several messages; none of them needs more than this.
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            # Rasa builds the server with cors_allowed_origins=[], which turns python-engineio's
            # Origin check off; without this, any web site could chat through its visitors.
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None and origin.rstrip("/") not in origins:
                logger.warning("Refused a socket.io connection from an origin not in CORS_ORIGINS.")
                return False
            request = environ.get("sanic.request")
            address = client_address(request) if request is not None else "unknown"
            await sio.save_session(sid, {ADDRESS_KEY: address}, namespace=self.namespace)
            return await rasa_connect(sid, environ, auth)

        async def over_limit(sid: Text, room: Text) -> None:
            logger.warning("A socket.io message was over the rate limit; answered without the model.")
            await sio.emit(self.bot_message_evt, {"text": self.response_text(RATE_LIMITED)},
                           room=room, namespace=self.namespace)

        async def session_request(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session = await sio.get_session(sid, namespace=self.namespace) or {}
            address = session.get(ADDRESS_KEY, "unknown")
            token = data.get("session_id")
            conversation_id = self.tokens.conversation_of(token, SOCKETIO)
            if conversation_id is None:
                if not self.limits.allow_new_conversation(address):
                    await over_limit(sid, sid)
                    return
                conversation_id, token = self.tokens.start(SOCKETIO)
                logger.info("Started a new socket.io conversation.")
            await sio.save_session(sid, {**session, SESSION_KEY: conversation_id},
                                   namespace=self.namespace)
            if self.session_persistence:
                # Rasa 3.6 calls enter_room without await; python-socketio >= 5.10 made it a
                # coroutine, so the browser never joined its session's room and heard nothing.
                entered = sio.enter_room(sid, conversation_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        async def handle_message(sid: Text, data: Any) -> None:
            # Rasa's handler expects a dict with a text message and dict (or JSON) metadata.
            if not isinstance(data, dict):
                logger.warning("Ignored a socket.io message that is not an object.")
                return
            session = await sio.get_session(sid, namespace=self.namespace) or {}
            conversation_id = session.get(SESSION_KEY)
            if not conversation_id:
                logger.warning("Ignored a socket.io message sent before its session_request.")
                return
            if not self.limits.allow_message(conversation_id, session.get(ADDRESS_KEY, "unknown")):
                await over_limit(sid, conversation_id)
                return
            data = dict(data)
            # Whatever the client wrote there, the socket's own conversation.
            data["session_id"] = conversation_id
            message = data.get("message")
            if message is not None and not isinstance(message, str):
                data["message"] = json.dumps(message)
            data[self.metadata_key] = clean_metadata(data.get(self.metadata_key))
            await rasa_handler(sid, data)

        async def conversation(request: Request) -> response.HTTPResponse:
            if request.method == "OPTIONS":
                # The browser's preflight; Rasa's CORS settings add the allowed origin.
                return response.empty()
            return await self.erase(request, SOCKETIO)

        # The page's "Delete my conversation" button: DELETE /webhooks/socketio/conversation.
        blueprint.route("/conversation", methods=["DELETE", "OPTIONS"])(conversation)

        sio.on("connect", namespace=self.namespace)(connect)
        sio.on("session_request", namespace=self.namespace)(session_request)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return blueprint
