"""Rasa's lock store, chosen by LOCK_STORE_URL: in memory for one Rasa process, Redis for several.

endpoints.yml names it as `type: bot.lock_store.ProjectLockStore`. Settings:

- `LOCK_STORE_URL`: unset (the default, `make run`): Rasa's `InMemoryLockStore`, right for one
  Rasa process. `redis://host:port/db`: a Redis lock store that every Rasa server of a
  cluster shares, so two replicas never handle turns of one conversation at the same time.
- `TICKET_LOCK_LIFETIME` (Rasa's own setting, seconds, default 60): how long a turn may hold
  a conversation's lock. It must be longer than the longest turn, or a waiting turn starts
  before the running one has saved its events: the store refuses to start when it is not
  (bot/action_timeout.py, which also bounds the turn's wait for the action server).

Why not Rasa's `RedisLockStore` as it is: its `issue_ticket` and `cleanup` read the lock,
change it in Python and write it back (GET, then SET). Two replicas that take a ticket for
the same conversation in the same millisecond (a double submit that the balancer sent to
both) then both get ticket 0 and both run, and their events interleave. `AtomicRedisLockStore`
is Rasa's store with those steps (and the waiters' `update_lock`) done in a Redis transaction (WATCH/MULTI/EXEC), retried
when another replica changed the lock in between. tests/cluster/test_cluster.py shows the race
with Rasa's class and its absence with this one, against a real Redis.

Both stores also keep a waiting turn in the queue (`QueueKeepingLock`). Rasa's ticket for a
turn expires TICKET_LOCK_LIFETIME after it was issued, also while the turn is still waiting:
when the turn ahead outlives its ticket (its Rasa server was killed in the middle of it, or
it hung), the waiting turn's ticket can expire at the same check, and Rasa's `lock()` then
waits for a ticket that no longer exists, for ever (the patient's message is never answered).
Here a turn whose ticket expired while it waited takes a new one and goes on waiting.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

from bot.action_timeout import check_lock_outlives_a_turn

logger = logging.getLogger(__name__)

LOCK_STORE_URL_ENV = "LOCK_STORE_URL"
# A transaction is retried when another replica changed the lock between WATCH and EXEC.
MAX_TRANSACTION_ATTEMPTS = 50


def lock_store_url() -> Optional[str]:
    """Returns LOCK_STORE_URL (a redis:// URL), or None for the in-memory lock store."""
    return os.environ.get(LOCK_STORE_URL_ENV, "").strip() or None


class QueueKeepingLock:
    """Rasa's `LockStore.lock`, except that a turn whose ticket expired while it waited queues again.

    A mixin for Rasa's lock stores (in memory and Redis); the rest of the store is Rasa's.
    """

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock for one turn: waits for this turn's ticket to be served."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock = self.get_lock(conversation_id)
                if lock is None or ticket not in {waiting.number for waiting in lock.tickets}:
                    # Expired while it waited, together with the turn ahead: queue again.
                    logger.warning("A waiting turn's conversation lock expired; it takes a new ticket.")
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)
                    continue
                if not lock.is_locked(ticket):
                    break
                await asyncio.sleep(wait_time_in_seconds)
                self.update_lock(conversation_id)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)


class QueueKeepingInMemoryLockStore(QueueKeepingLock, InMemoryLockStore):
    """Rasa's in-memory lock store (one Rasa process) with a waiting turn kept in the queue."""


class AtomicRedisLockStore(QueueKeepingLock, RedisLockStore):
    """Rasa's RedisLockStore whose ticket issue and clean-up are atomic across Rasa servers."""

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> "AtomicRedisLockStore":
        """Returns a lock store on the Redis at url (redis://[user:password@]host:port/db)."""
        from redis.connection import parse_url

        parts = parse_url(url)
        return cls(host=parts.get("host", "localhost"), port=parts.get("port", 6379),
                   db=parts.get("db", 0), username=parts.get("username"),
                   password=parts.get("password"), use_ssl=url.startswith("rediss://"), **kwargs)

    def _update_atomically(self, conversation_id: str, change: Any) -> Any:
        """Runs change(lock or None) -> (lock to save or None to delete, result) in a Redis transaction."""
        import redis

        key = self.key_prefix + conversation_id
        for _ in range(MAX_TRANSACTION_ATTEMPTS):
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    to_save, result = change(lock)
                    pipe.multi()
                    if to_save is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, to_save.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock: read it again
        raise LockError(f"The lock changed {MAX_TRANSACTION_ATTEMPTS} times while this server "
                        "tried to update it.")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issues the next ticket of the conversation's lock in one Redis transaction."""

        def take(lock: Optional[TicketLock]) -> Any:
            lock = lock or LockStore.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._update_atomically(conversation_id, take)
        except LockError:
            raise
        except Exception as error:
            # Rasa's own store raises LockError too, so the channel answers with the notice.
            raise LockError(f"Error while acquiring lock. Error: {type(error).__name__}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drops the expired tickets of the conversation's lock in one Redis transaction."""

        def drop_expired(lock: Optional[TicketLock]) -> Any:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._update_atomically(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes a finished ticket (and the lock when nobody waits) in one Redis transaction."""

        def remove(lock: Optional[TicketLock]) -> Any:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        try:
            self._update_atomically(conversation_id, remove)
        except Exception as error:
            # The ticket expires on its own after TICKET_LOCK_LIFETIME.
            logger.error(f"Could not release a conversation lock ({type(error).__name__}).")


class ProjectLockStore(LockStore):
    """The lock store LOCK_STORE_URL chooses: Rasa's in-memory store, or the atomic Redis store (both keeping waiting turns queued)."""

    def __new__(cls, endpoint_config: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        check_lock_outlives_a_turn()
        url = lock_store_url()
        if url is None:
            return QueueKeepingInMemoryLockStore()
        if not url.startswith(("redis://", "rediss://")):
            raise ValueError(f"{LOCK_STORE_URL_ENV} must be a redis:// URL (or unset for one "
                             f"Rasa process), not {url.split('@')[-1]!r}.")
        return AtomicRedisLockStore.from_url(url)
