"""Server-issued conversation ids and the signed, expiring tokens that let a client resume one.

A client never names its conversation. The server makes the id (`ws-<32 hex>` for the web
widget's socket.io channel, `rest-<32 hex>` for the REST channel) and hands the client a
token: a JWT (HS256, PyJWT) whose subject is the id, signed with the server secret and valid
for `CONVERSATION_TOKEN_HOURS` (default 24). Presenting the token is the only way back into
the conversation; an id on its own is worth nothing.

The secret is `SERVER_SECRET`, or a random one kept in `var/server_secret` (0600, made on
first use). Changing it ends every conversation's token at once.
"""
from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Optional

import jwt

from bot.private_files import VAR, secret_from

SECRET_ENV = "SERVER_SECRET"
SECRET_FILE = VAR / "server_secret"
LIFETIME_ENV = "CONVERSATION_TOKEN_HOURS"
DEFAULT_LIFETIME_HOURS = 24.0
ALGORITHM = "HS256"
AUDIENCE = "lms-assistant-conversation"

# The id's prefix says which channel issued it, so the channels never share a conversation.
SOCKETIO = "ws"
REST = "rest"
MAX_ID_CHARS = 128
MAX_TOKEN_CHARS = 1024
MIN_SECRET_CHARS = 32
_ID = re.compile(r"(ws|rest)-[A-Za-z0-9_-]{1,%d}" % (MAX_ID_CHARS - 5))


def server_secret(create: bool = True) -> Optional[str]:
    """Returns SERVER_SECRET, else var/server_secret (made when create is True and it is missing)."""
    return secret_from(SECRET_ENV, SECRET_FILE, create=create)


def token_lifetime_seconds() -> float:
    """Returns how long a token is valid (CONVERSATION_TOKEN_HOURS, default 24 hours)."""
    raw = os.environ.get(LIFETIME_ENV, "").strip()
    try:
        hours = float(raw) if raw else DEFAULT_LIFETIME_HOURS
    except ValueError:
        hours = -1
    if not 0 < hours <= 24 * 365:
        raise ValueError(f"{LIFETIME_ENV} must be a number of hours above 0, not {raw!r}.")
    return hours * 3600


def is_conversation_id(value: object, channel: Optional[str] = None) -> bool:
    """Returns True for a well-formed id (of the channel's namespace, when one is given)."""
    if not isinstance(value, str) or len(value) > MAX_ID_CHARS or not _ID.fullmatch(value):
        return False
    return channel is None or value.startswith(channel + "-")


def new_conversation_id(channel: str) -> str:
    """Returns a fresh random id in the channel's namespace, such as 'ws-3f9c...'."""
    if channel not in (SOCKETIO, REST):
        raise ValueError(f"Unknown channel namespace {channel!r}.")
    return f"{channel}-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class ConversationTokens:
    """Signs and checks conversation tokens with one secret."""

    secret: str
    lifetime_seconds: float = DEFAULT_LIFETIME_HOURS * 3600

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_CHARS:
            raise ValueError(f"The server secret ({SECRET_ENV}) must be at least "
                             f"{MIN_SECRET_CHARS} characters long.")

    @classmethod
    def from_environment(cls) -> "ConversationTokens":
        """Returns the issuer the running servers share (secret and lifetime from the settings)."""
        return cls(server_secret(), token_lifetime_seconds())

    def issue(self, conversation_id: str) -> str:
        """Returns a signed token for the conversation, valid for the lifetime from now."""
        if not is_conversation_id(conversation_id):
            raise ValueError("Not a conversation id.")
        now = int(time.time())
        claims = {"sub": conversation_id, "aud": AUDIENCE, "iat": now,
                  "exp": now + int(self.lifetime_seconds)}
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def start(self, channel: str) -> tuple:
        """Returns (new conversation id, its token) for the channel."""
        conversation_id = new_conversation_id(channel)
        return conversation_id, self.issue(conversation_id)

    def conversation_of(self, token: object, channel: Optional[str] = None) -> Optional[str]:
        """Returns the conversation id a valid token grants (in the channel's namespace), else None.

        None for anything else: not a string, too long, badly signed, expired, without a
        subject, for another audience, or with a subject that is not a well-formed id.
        """
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            return None
        try:
            claims = jwt.decode(token, self.secret, algorithms=[ALGORITHM], audience=AUDIENCE,
                                options={"require": ["exp", "sub", "aud"]})
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        return subject if is_conversation_id(subject, channel) else None
