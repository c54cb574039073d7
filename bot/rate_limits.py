"""Sliding-window rate limits for the chat channels: per conversation and per client address.

Settings (messages per minute; 0 switches a limit off):
- `RATE_LIMIT_PER_CONVERSATION` (default 30): more than a person types or clicks.
- `RATE_LIMIT_PER_ADDRESS` (default 120): one address, many conversations (a script, or
  many patients behind one hospital's network address).

The counts live in the Rasa server's memory; a restart forgets them.
"""
from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, Hashable

WINDOW_SECONDS = 60.0
DEFAULT_PER_CONVERSATION = 30
DEFAULT_PER_ADDRESS = 120
PER_CONVERSATION_ENV = "RATE_LIMIT_PER_CONVERSATION"
PER_ADDRESS_ENV = "RATE_LIMIT_PER_ADDRESS"
# Forget idle keys now and then, so the table does not grow with every address ever seen.
_SWEEP_EVERY = 1000


def configured_limit(name: str, default: int) -> int:
    """Returns the whole number in the environment variable (default when unset; 0 = no limit)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{name} must be a whole number of messages per minute (0 = no limit), not {raw!r}.")
    return value


@dataclass
class SlidingWindowLimit:
    """Allows at most `limit` events per key within any `window` seconds (limit 0: no limit)."""

    limit: int
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _events: Dict[Hashable, Deque[float]] = field(default_factory=dict)
    _calls: int = 0

    def allow(self, key: Hashable) -> bool:
        """Counts one event for the key; returns False when it is over the limit (and not counted)."""
        if not self.limit:
            return True
        now = self.clock()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def _sweep(self, now: float) -> None:
        idle = [key for key, events in self._events.items() if not events or events[-1] <= now - self.window]
        for key in idle:
            del self._events[key]


@dataclass
class ChannelLimits:
    """The two limits every chat message passes: its conversation's and its address's."""

    per_conversation: SlidingWindowLimit
    per_address: SlidingWindowLimit

    @classmethod
    def from_environment(cls) -> "ChannelLimits":
        """Returns the limits configured by RATE_LIMIT_PER_CONVERSATION and RATE_LIMIT_PER_ADDRESS."""
        return cls(
            SlidingWindowLimit(configured_limit(PER_CONVERSATION_ENV, DEFAULT_PER_CONVERSATION)),
            SlidingWindowLimit(configured_limit(PER_ADDRESS_ENV, DEFAULT_PER_ADDRESS)),
        )

    def allow_message(self, conversation_id: str, address: str) -> bool:
        """Returns True when one more message from this address to this conversation is within both limits."""
        return self.per_address.allow(address) and self.per_conversation.allow(conversation_id)

    def allow_new_conversation(self, address: str) -> bool:
        """Returns True when the address may start one more conversation (it counts as a message)."""
        return self.per_address.allow(address)
