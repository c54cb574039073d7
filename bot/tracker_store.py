"""Rasa's SQL tracker store, configured from one SQLAlchemy URL and with a retention period.

endpoints.yml names it as `type: bot.tracker_store.ProjectSQLTrackerStore`. Settings:

- `TRACKER_STORE_URL`: any SQLAlchemy URL (default `sqlite:///<root>/var/tracker.db`).
- `RETENTION_DAYS`: conversations idle longer than this are deleted when the store
  starts and then every `RETENTION_SWEEP_MINUTES` (default 60) while the server runs
  (default 30 days; 0 keeps everything).
- `RETENTION_IN_RASA_SERVER` (default `1`): `0` leaves retention to one job for the whole
  cluster (`python -m bot.retention_job`, which `make run-cluster` starts), instead of
  every replica sweeping the shared database.

On PostgreSQL the engine checks a pooled connection before using it (`pool_pre_ping`), so
the Rasa servers reconnect by themselves after the database restarts, and a retention run
takes a transaction-level advisory lock, so two jobs never sweep at once. The pool size is
Rasa's own setting (`SQL_POOL_SIZE`, `SQL_MAX_OVERFLOW`).

Deleting is real: on SQLite, `PRAGMA secure_delete=ON` overwrites the freed pages and a
`VACUUM` afterwards rebuilds the file, so deleted words cannot be read back from it.

A locked or briefly unreachable database does not lose a turn: reading and saving a
conversation are tried again (STORE_ATTEMPTS times, with short pauses) and, if the database
stays unavailable, fail with `ConversationStoreUnavailable` rather than falling back to
memory (bot/channels.py then sends the unavailable notice). It is a BaseException so that
Rasa's FailSafeTrackerStore, which catches every Exception and carries on as if the
conversation were new, lets it through.

Logs name counts and error classes only, never message text or slot values; the engine
hides a failed statement's bound parameters.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot import ROOT

logger = logging.getLogger(__name__)

DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
DEFAULT_RETENTION_DAYS = 30
SECONDS_PER_DAY = 24 * 60 * 60
DELETE_BATCH = 500
DEFAULT_SWEEP_MINUTES = 60.0
RETENTION_IN_SERVER_ENV = "RETENTION_IN_RASA_SERVER"
# Any fixed number, the same in every process: the key of the retention advisory lock.
RETENTION_ADVISORY_LOCK = 0x1E105  # "LMS"
# A database that is locked (another writer, a VACUUM) or briefly unreachable: try again
# after these pauses before giving up. With SQLite each attempt also waits up to
# SQLITE_BUSY_SECONDS for the lock, so a conversation is given up after about 6 seconds.
STORE_ATTEMPTS = 4
RETRY_PAUSES_SECONDS = (0.25, 0.5, 1.0)
SQLITE_BUSY_SECONDS = 1.0
# How long reading or saving may take before it is given up (on SQLite; other databases
# add their own connection timeouts).
STORE_GIVE_UP_SECONDS = STORE_ATTEMPTS * SQLITE_BUSY_SECONDS + sum(RETRY_PAUSES_SECONDS)

Result = TypeVar("Result")


def _wait_briefly_for_locks(connection: Any, _record: Any) -> None:
    connection.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")


class ConversationStoreUnavailable(BaseException):
    """The conversation store could not be read or written, even after retrying: the turn stops here.

    A BaseException on purpose: Rasa's FailSafeTrackerStore, which wraps every tracker store,
    catches each Exception from `retrieve` and carries on as if the conversation were new,
    which would answer a patient without what they had said. This passes through it, and the
    chat channels (bot/channels.py) answer with `utter_service_unavailable`.
    """


def tracker_store_url() -> URL:
    """Returns the parsed SQLAlchemy URL of the conversation store (TRACKER_STORE_URL or the default)."""
    return make_url(os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL)


def configured_retention_days() -> int:
    """Returns RETENTION_DAYS as a whole number of days (0 means keep everything)."""
    raw = os.environ.get("RETENTION_DAYS", "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = -1
    if days < 0:
        raise ValueError(
            f"RETENTION_DAYS must be a whole number of days (0 keeps conversations "
            f"forever), not {raw!r}."
        )
    return days


def retention_in_server() -> bool:
    """Returns False when RETENTION_IN_RASA_SERVER is 0: one cluster-wide job does the retention."""
    return os.environ.get(RETENTION_IN_SERVER_ENV, "1").strip().lower() not in ("0", "false", "no")


def configured_sweep_seconds() -> float:
    """Returns RETENTION_SWEEP_MINUTES in seconds: how often retention runs while serving."""
    raw = os.environ.get("RETENTION_SWEEP_MINUTES", "").strip()
    try:
        minutes = float(raw) if raw else DEFAULT_SWEEP_MINUTES
    except ValueError:
        minutes = -1
    if minutes <= 0:
        raise ValueError(f"RETENTION_SWEEP_MINUTES must be a number of minutes above 0, not {raw!r}.")
    return minutes * 60


class ProjectSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that reads its database from TRACKER_STORE_URL and forgets idle conversations."""

    def __init__(
        self,
        domain: Any = None,
        host: Optional[str] = None,
        event_broker: Any = None,
        url: Optional[str] = None,
        retention_days: Optional[int] = None,
        sweep_every_seconds: Optional[float] = None,
        **kwargs: Any,
    ) -> None:
        # Rasa passes `host=<endpoints url>` (None here); a full URL there or in
        # `url` wins over the environment, so tests can point at a temporary file.
        explicit = url or (host if host and "://" in host else None)
        parsed = make_url(explicit) if explicit else tracker_store_url()
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # The URL is the one source of these settings; endpoints.yml copies would clash.
        for key in ("dialect", "port", "db", "username", "password", "query"):
            kwargs.pop(key, None)
        super().__init__(
            domain=domain,
            dialect=parsed.drivername,
            host=parsed.host,
            port=parsed.port,
            db=parsed.database,
            username=parsed.username,
            password=parsed.password,
            query=dict(parsed.query) or None,
            event_broker=event_broker,
            **kwargs,
        )
        # A database error's message would otherwise quote its bound parameters: message
        # text and slot values, which Rasa's fail-safe store then logs.
        self.engine.hide_parameters = True
        if self.engine.dialect.name == "postgresql":
            self._reconnect_after_restarts()
        if self._is_sqlite() and "timeout" not in parsed.query:
            # pysqlite waits 5 s for a lock by default, blocking every conversation meanwhile;
            # shorter waits with pauses between them (see _retrying) let the others go on.
            event.listen(self.engine, "connect", _wait_briefly_for_locks)
            self.engine.dispose()  # the connection Rasa opened to create the table
        self.retention_days = (
            retention_days if retention_days is not None else configured_retention_days()
        )
        self._stop_sweeping = threading.Event()
        if retention_days is None and not retention_in_server():
            self.retention_days = 0  # the cluster's retention job does it
        if self.retention_days:
            self.delete_idle_conversations(self.retention_days)
            interval = sweep_every_seconds if sweep_every_seconds is not None else configured_sweep_seconds()
            threading.Thread(target=self._sweep, args=(interval,), name="retention", daemon=True).start()

    def _reconnect_after_restarts(self) -> None:
        """Replaces Rasa's engine with one that tests pooled connections before use (pool_pre_ping)."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, hide_parameters=True,
                                       **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)

    def _sweep(self, interval: float) -> None:
        """Runs retention every interval seconds until stop_sweeping() (in a daemon thread)."""
        while not self._stop_sweeping.wait(interval):
            try:
                self.delete_idle_conversations(self.retention_days)
            except Exception as error:  # the next sweep tries again
                logger.error(f"Retention failed with {type(error).__name__}; it runs again later.")

    def stop_sweeping(self) -> None:
        """Stops the periodic retention (for tests and tools)."""
        self._stop_sweeping.set()

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[Result]]) -> Result:
        """Returns attempt()'s result, trying again while the database is locked or unreachable."""
        for number in range(1, STORE_ATTEMPTS + 1):
            try:
                return await attempt()
            except (OperationalError, InterfaceError) as error:
                # The class only: even with hidden parameters, say nothing of the statement.
                if number == STORE_ATTEMPTS:
                    logger.error(f"{what} a conversation failed {number} times with "
                                 f"{type(error).__name__}; giving up on this turn.")
                    raise ConversationStoreUnavailable(f"{what} a conversation failed.") from None
                pause = RETRY_PAUSES_SECONDS[min(number, len(RETRY_PAUSES_SECONDS)) - 1]
                logger.warning(f"{what} a conversation failed with {type(error).__name__} "
                               f"(attempt {number} of {STORE_ATTEMPTS}); trying again in {pause} s.")
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def save(self, tracker: Any) -> None:
        """Stores the conversation's new events, trying again while the database is locked."""
        # Rasa's save writes in one transaction that a failure rolls back, so a second
        # attempt writes the same new events once. (It streams events to an event broker
        # first; none is configured here, so nothing is streamed twice.)
        await self._retrying("Saving", lambda: super(ProjectSQLTrackerStore, self).save(tracker))

    async def retrieve(self, sender_id: str) -> Any:
        """Returns the conversation's current session, trying again while the database is locked."""
        return await self._retrying(
            "Reading", lambda: super(ProjectSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> Any:
        """Returns the whole conversation, trying again while the database is locked."""
        return await self._retrying(
            "Reading", lambda: super(ProjectSQLTrackerStore, self).retrieve_full_tracker(conversation_id))

    @staticmethod
    def get_db_url(
        dialect: str = "sqlite",
        host: Optional[str] = None,
        port: Optional[int] = None,
        db: str = "rasa.db",
        username: Optional[str] = None,
        password: Optional[str] = None,
        login_db: Optional[str] = None,
        query: Optional[dict] = None,
    ) -> URL:
        """Returns the engine URL for the parts (as the parent does, with the 2.0-style URL.create)."""
        return URL.create(dialect, username, password, host, port, login_db or db, query or {})

    def delete_idle_conversations(self, days: int) -> int:
        """Deletes conversations whose last event is older than `days`; returns the number removed."""
        cutoff = time.time() - days * SECONDS_PER_DAY
        event = self.SQLEvent
        idle = (
            select(event.sender_id)
            .group_by(event.sender_id)
            .having(func.max(event.timestamp) < cutoff)
        )
        with Session(self.engine, future=True) as session, session.begin():
            if not self._only_sweeper(session):
                logger.info("Another retention run holds the lock; this one skipped.")
                return 0
            self._overwrite_deleted_pages(session)
            senders = session.execute(idle).scalars().all()
            # In batches: SQLite limits the number of bound parameters per statement.
            for start in range(0, len(senders), DELETE_BATCH):
                batch = senders[start : start + DELETE_BATCH]
                session.execute(delete(event).where(event.sender_id.in_(batch)))
        if senders:
            self._compact()
            logger.info(
                f"Deleted {len(senders)} conversation(s) idle for more than {days} days."
            )
        return len(senders)

    def delete_conversation(self, sender_id: str) -> int:
        """Deletes every event of one conversation; returns the number of events deleted."""
        event = self.SQLEvent
        with Session(self.engine, future=True) as session, session.begin():
            self._overwrite_deleted_pages(session)
            deleted = session.execute(
                delete(event).where(event.sender_id == sender_id)
            ).rowcount
        if deleted:
            self._compact()
        logger.info(f"Deleted a conversation of {deleted} event(s) on request.")
        return deleted

    def _only_sweeper(self, session: Session) -> bool:
        """Returns False when another process is sweeping the same PostgreSQL database right now."""
        if self.engine.dialect.name != "postgresql":
            return True
        return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                    {"key": RETENTION_ADVISORY_LOCK}).scalar())

    def _is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def _overwrite_deleted_pages(self, session: Session) -> None:
        if self._is_sqlite():
            session.execute(text("PRAGMA secure_delete=ON"))

    def _compact(self) -> None:
        """Rebuilds an SQLite file so no deleted row survives in it (VACUUM, outside a transaction)."""
        if not self._is_sqlite():
            return
        try:
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")
        except Exception as error:
            # Busy with another writer: the rows are gone and secure_delete zeroed them.
            logger.warning(f"VACUUM after a deletion failed with {type(error).__name__}.")
