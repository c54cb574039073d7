"""How long a turn may wait for the action server, and the action endpoint that keeps to it.

Rasa 3.6 waits up to 300 seconds for every call to the action server (its
`DEFAULT_REQUEST_TIMEOUT`, which no setting changes), while a conversation's lock expires after
`TICKET_LOCK_LIFETIME` seconds (Rasa's default 60). Behind a hung action server a patient
waited minutes for nothing, and a retry of the message took the expired lock and ran beside
the first turn, so the events of one of the two were lost.

Settings:

- `ACTION_TIMEOUT_SECONDS` (default 10): how long one turn may wait for the action server,
  all its calls together. The clock starts at the turn's first call; a call still waiting
  when the time is up is given up, and a later call of the same turn is not made. Rasa then
  carries on as after any failed action (it logs it, drops the action's events, and saves
  the turn), and the channel sends `utter_service_unavailable` (bot/channels.py), also after
  part of an answer went out.
- `TICKET_LOCK_LIFETIME` (Rasa's own, seconds): must be longer than the longest turn,
  `longest_turn_seconds()`. The lock store refuses to start otherwise
  (`check_lock_outlives_a_turn`, called by bot/lock_store.py and bot/cluster.py).

How it is put in place: Rasa builds the action endpoint from endpoints.yml as a plain
`EndpointConfig`; the chat channels give the agent's processor a `BoundedActionEndpoint` with
the same settings before each message (`bound_action_calls`), as they give the tracker store
its error hook. A call outside a chat turn (Rasa's HTTP API) gets the whole time for itself.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import time
from typing import Any, Iterator, Optional, Text

import aiohttp
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.tracker_store import STORE_GIVE_UP_SECONDS

logger = logging.getLogger(__name__)

ACTION_TIMEOUT_ENV = "ACTION_TIMEOUT_SECONDS"
DEFAULT_ACTION_TIMEOUT_SECONDS = 10.0
LOCK_LIFETIME_ENV = "TICKET_LOCK_LIFETIME"
# What a turn does besides waiting for actions and the store: the NLU and the policies, on a
# busy 2-core machine with other conversations' turns sharing the event loop.
MODEL_SECONDS = 15.0
# The action server answers 400 when an action rejects its execution (rasa_sdk's
# ActionExecutionRejection): Rasa hands over to the other policies, nothing failed.
REJECTED = 400


def action_timeout_seconds() -> float:
    """Returns ACTION_TIMEOUT_SECONDS: how long one turn may wait for the action server in all."""
    raw = os.environ.get(ACTION_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_ACTION_TIMEOUT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(f"{ACTION_TIMEOUT_ENV} must be a number of seconds above 0, not {raw!r}.")
    return seconds


def longest_turn_seconds(action_timeout: Optional[float] = None) -> float:
    """Returns how long a turn can hold its conversation's lock: store read, model, actions, store save."""
    actions = action_timeout_seconds() if action_timeout is None else action_timeout
    return STORE_GIVE_UP_SECONDS + MODEL_SECONDS + actions + STORE_GIVE_UP_SECONDS


def lock_lifetime_seconds() -> float:
    """Returns the conversation lock's lifetime as Rasa reads it (TICKET_LOCK_LIFETIME, else Rasa's 60)."""
    from rasa.core.lock_store import _get_lock_lifetime

    return float(_get_lock_lifetime())


def check_lock_outlives_a_turn(lock_lifetime: Optional[float] = None,
                               action_timeout: Optional[float] = None) -> None:
    """Raises ValueError when a conversation's lock could expire before its longest turn ends."""
    lifetime = lock_lifetime_seconds() if lock_lifetime is None else lock_lifetime
    longest = longest_turn_seconds(action_timeout)
    if lifetime <= longest:
        raise ValueError(
            f"{LOCK_LIFETIME_ENV} ({lifetime:g} s) must be longer than the longest turn "
            f"({longest:g} s: {ACTION_TIMEOUT_ENV} plus the model and the conversation store), "
            f"or a patient's retry could run beside a turn still in progress. Raise "
            f"{LOCK_LIFETIME_ENV} above {longest:g} or lower {ACTION_TIMEOUT_ENV}.")


class ActionServerTooSlow(asyncio.TimeoutError):
    """The action server did not answer within the turn's time; Rasa treats it as a failed action."""


class TurnActions:
    """One turn's calls to the action server: the time they share, and whether one failed."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline: Optional[float] = None
        self.failed = False

    def seconds_left(self) -> float:
        """Returns the time the turn may still wait for the action server (its clock starts at the first call)."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.timeout
        return self.deadline - time.monotonic()


_current_turn: contextvars.ContextVar[Optional[TurnActions]] = contextvars.ContextVar(
    "lms_turn_actions", default=None)


@contextlib.contextmanager
def turn_of_actions() -> Iterator[TurnActions]:
    """Makes the action calls made inside it one turn's (sharing ACTION_TIMEOUT_SECONDS); yields its record."""
    turn = TurnActions(action_timeout_seconds())
    reset = _current_turn.set(turn)
    try:
        yield turn
    finally:
        _current_turn.reset(reset)


class BoundedActionEndpoint(EndpointConfig):
    """Rasa's action endpoint whose calls end when their turn's time for the action server is up."""

    @classmethod
    def bounding(cls, endpoint: EndpointConfig) -> "BoundedActionEndpoint":
        """Returns a bounded endpoint with the settings of Rasa's endpoint."""
        return cls(endpoint.url, endpoint.params, endpoint.headers, endpoint.basic_auth,
                   endpoint.token, endpoint.token_name, endpoint.cafile, **endpoint.kwargs)

    async def request(
        self,
        method: Text = "post",
        subpath: Optional[Text] = None,
        content_type: Optional[Text] = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Optional[Any]:
        """Calls the action server like Rasa, within the time the turn has left; records a failure."""
        turn = _current_turn.get() or TurnActions(action_timeout_seconds())
        left = turn.seconds_left()
        if left <= 0:
            turn.failed = True
            raise ActionServerTooSlow(
                f"This turn's {turn.timeout:g} s for the action server are used up; the call was not made.")
        # Rasa passes its 300 s here; aiohttp's total covers connecting, sending and reading the answer.
        kwargs["timeout"] = aiohttp.ClientTimeout(total=left)
        try:
            return await super().request(method, subpath, content_type, compress, **kwargs)
        except asyncio.TimeoutError:
            turn.failed = True
            logger.error(f"The action server did not answer within {turn.timeout:g} s "
                         f"({ACTION_TIMEOUT_ENV}); the turn goes on without the action.")
            raise ActionServerTooSlow(
                f"The action server did not answer within this turn's {turn.timeout:g} s.") from None
        except ClientResponseError as error:
            if error.status != REJECTED:
                turn.failed = True
            raise
        except Exception:
            turn.failed = True
            raise


def bound_action_calls(agent: Any) -> None:
    """Gives the agent's processor a BoundedActionEndpoint in place of Rasa's action endpoint (once)."""
    processor = getattr(agent, "processor", None)
    endpoint = getattr(processor, "action_endpoint", None)
    if endpoint is None or isinstance(endpoint, BoundedActionEndpoint):
        return
    bounded = BoundedActionEndpoint.bounding(endpoint)
    processor.action_endpoint = bounded
    agent.action_endpoint = bounded
