"""Retention for a whole cluster: one process deletes idle conversations from the shared store.

    python -m bot.retention_job

With several Rasa servers on one PostgreSQL database, each replica sweeping on its own would
run the same deletion N times an hour. `make run-cluster` starts the replicas with
`RETENTION_IN_RASA_SERVER=0` and this job once: it deletes conversations idle for more than
`RETENTION_DAYS` at start and then every `RETENTION_SWEEP_MINUTES`, from the store in
`TRACKER_STORE_URL`. A PostgreSQL advisory lock keeps a second copy (a second machine's
cron, say) from sweeping at the same time. Logs give counts only.
"""
from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import List, Optional

from bot.tracker_store import (ProjectSQLTrackerStore, configured_retention_days,
                               configured_sweep_seconds)

logger = logging.getLogger("bot.retention_job")


def main(argv: Optional[List[str]] = None) -> int:
    """Sweeps until SIGTERM or Ctrl-C; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s retention: %(message)s")
    days = configured_retention_days()
    interval = configured_sweep_seconds()
    if not days:
        logger.info("RETENTION_DAYS is 0: conversations are kept; nothing to do.")
        return 0
    # retention_days=0 here: the store itself starts no sweeping thread, this loop is the job.
    store = ProjectSQLTrackerStore(retention_days=0)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    logger.info(f"Deleting conversations idle for more than {days} days, "
                f"every {interval / 60:g} minutes.")
    while True:
        try:
            store.delete_idle_conversations(days)
        except Exception as error:  # the database may be restarting: the next run tries again
            logger.error(f"Retention failed with {type(error).__name__}; it runs again later.")
        if stop.wait(interval):
            return 0


if __name__ == "__main__":
    sys.exit(main())
