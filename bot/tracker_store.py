"""Rasa's SQL tracker store, configured from one SQLAlchemy URL and with a retention period.

endpoints.yml names it as `type: bot.tracker_store.ProjectSQLTrackerStore`. Settings:

- `TRACKER_STORE_URL`: any SQLAlchemy URL (default `sqlite:///<root>/var/tracker.db`).
- `RETENTION_DAYS`: conversations idle longer than this are deleted when the store
  starts (default 30; 0 keeps everything).

Logs name counts only, never message text or slot values.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import delete, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from bot import ROOT

logger = logging.getLogger(__name__)

DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
DEFAULT_RETENTION_DAYS = 30
SECONDS_PER_DAY = 24 * 60 * 60
DELETE_BATCH = 500


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


class ProjectSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that reads its database from TRACKER_STORE_URL and forgets idle conversations."""

    def __init__(
        self,
        domain: Any = None,
        host: Optional[str] = None,
        event_broker: Any = None,
        url: Optional[str] = None,
        retention_days: Optional[int] = None,
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
        self.retention_days = (
            retention_days if retention_days is not None else configured_retention_days()
        )
        if self.retention_days:
            self.delete_idle_conversations(self.retention_days)

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
            senders = session.execute(idle).scalars().all()
            # In batches: SQLite limits the number of bound parameters per statement.
            for start in range(0, len(senders), DELETE_BATCH):
                batch = senders[start : start + DELETE_BATCH]
                session.execute(delete(event).where(event.sender_id.in_(batch)))
        if senders:
            logger.info(
                f"Deleted {len(senders)} conversation(s) idle for more than {days} days."
            )
        return len(senders)

    def delete_conversation(self, sender_id: str) -> int:
        """Deletes every event of one conversation; returns the number of events deleted."""
        event = self.SQLEvent
        with Session(self.engine, future=True) as session, session.begin():
            deleted = session.execute(
                delete(event).where(event.sender_id == sender_id)
            ).rowcount
        logger.info(f"Deleted a conversation of {deleted} event(s) on request.")
        return deleted
