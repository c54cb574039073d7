"""A turn waiting for a conversation's lock is answered even when its ticket expires while it waits."""
import asyncio

import pytest
from rasa.core.lock_store import InMemoryLockStore

from bot.lock_store import QueueKeepingInMemoryLockStore

LIFETIME = 1.0
# Longer than the lifetime: the waiting turn's next look at the lock comes after both
# tickets (the dead turn's and its own, issued just after) have expired.
WAIT = 1.5


async def turn_after_a_dead_one(store) -> str:
    """A turn whose server died holds ticket 0 and never gives it back; the next turn waits behind it."""
    store.issue_ticket("patient", LIFETIME)
    async with store.lock("patient", lock_lifetime=LIFETIME, wait_time_in_seconds=WAIT):
        return "served"


def test_a_waiting_turn_whose_ticket_expired_with_the_dead_turn_is_still_served():
    assert asyncio.run(asyncio.wait_for(turn_after_a_dead_one(QueueKeepingInMemoryLockStore()), 10)) == "served"


def test_a_waiting_turn_leaves_no_ticket_behind_once_served():
    store = QueueKeepingInMemoryLockStore()
    asyncio.run(turn_after_a_dead_one(store))
    assert store.get_lock("patient") is None  # the next turn of this patient does not wait


def test_rasas_own_lock_never_serves_that_turn():
    """Why bot/lock_store.py keeps its own lock(): if this starts passing, Rasa fixed it."""
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(turn_after_a_dead_one(InMemoryLockStore()), 5))
