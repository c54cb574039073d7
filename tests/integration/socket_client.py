"""A socket.io client that talks to the bot the way the web widget (rasa-webchat) does.

It connects from the widget page's origin, sends `session_request` with the token it holds
(None: ask for a new conversation), keeps the token the server confirms, and reads the
conversation id out of it with the test stack's secret, so tests can look at the tracker.
"""
import asyncio
from typing import Any, Dict, List, Optional

import socketio


class SocketConversation:
    """A socket.io client talking to the bot the way the web widget does."""

    QUIET_SECONDS = 2.0

    def __init__(self, bot_stack, token: Optional[str] = None) -> None:
        self.bot_stack = bot_stack
        self.url = bot_stack.url
        # What the widget keeps in the browser: the token of its conversation (None: a new one).
        self.token = token
        self.session_id: Optional[str] = None
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self.client.on("bot_uttered", self.received.put)

    async def __aenter__(self) -> "SocketConversation":
        # Long polling: the websocket transport of this python-engineio needs a newer aiohttp.
        await self.client.connect(self.url, transports=["polling"], wait_timeout=30,
                                  headers={"Origin": self.bot_stack.web_url})
        confirmed = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", lambda token: confirmed.set_result(token))
        await self.client.emit("session_request", {"session_id": self.token})
        self.token = await asyncio.wait_for(confirmed, 30)
        # The server's answer is a token; the conversation it grants is the server's choice.
        self.session_id = self.bot_stack.tokens.conversation_of(self.token, "ws")
        assert self.session_id, "session_confirm did not carry a valid conversation token"
        return self

    async def __aexit__(self, *exc: Any) -> None:
        # Leave the way a closed browser tab does. A polite disconnect() waits for the long poll
        # in flight, which the server ends only at its next ping (25 s): 28 s per conversation.
        await self.client.eio.disconnect(abort=True)

    async def say(self, text: str, timeout: float = 120) -> List[Dict[str, Any]]:
        """Sends one message; returns the bot's messages until it has been quiet for a while."""
        await self.client.emit("user_uttered", {"message": text, "session_id": self.token})
        messages = [await asyncio.wait_for(self.received.get(), timeout)]
        while True:
            try:
                messages.append(await asyncio.wait_for(self.received.get(), self.QUIET_SECONDS))
            except asyncio.TimeoutError:
                return messages
