"""One cluster (PostgreSQL, Redis, 2 action servers, 2 Rasa servers, the page, nginx) for the cluster tests.

The session-scoped fixture `cluster` starts bot.cluster.Cluster once, with its data in a
temporary folder under /tmp and every port counted from 22000 + TEST_PORT_OFFSET, and stops
it at the end. The tests talk to it as patients do, through nginx (`cluster.front_url`), and
read what was stored straight from PostgreSQL (`stored_events`).

Run them with `make test-cluster` (or `pytest -m cluster tests/cluster`): a marker expression
that does not name `cluster` leaves them out (tests/conftest.py).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
import sqlalchemy as sa

from bot.cluster import Cluster, Ports
from tests.conftest import MODEL, SERVER_SECRET, TOKEN, _domain_responses, _knowledge_db_url

_OFFSET = int(os.environ.get("TEST_PORT_OFFSET", "0"))
PORT_BASE = 22000 + _OFFSET
RASA_SERVERS = 2
ACTION_SERVERS = 1  # stateless; each one takes a minute of CPU to build its index
# Longer than the longest turn the tests see (test_cluster checks that), short enough that a
# ticket left by a killed replica expires within the test's time budget.
LOCK_LIFETIME_SECONDS = 60


class RunningCluster:
    """The started cluster and how the tests talk to it."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.front_url = cluster.front_url
        self.rest_url = f"{cluster.front_url}/webhooks/rest/webhook"
        self.rasa_urls = cluster.rasa_urls
        self.lock_lifetime = LOCK_LIFETIME_SECONDS
        self.responses = _domain_responses()
        self.engine = sa.create_engine(cluster.tracker_store_url, pool_pre_ping=True, future=True)

    def response_text(self, name: str) -> str:
        """Returns the text of a response in domain.yml (its first variation)."""
        return self.responses[name][0]["text"]

    def start_conversation(self) -> Dict[str, str]:
        """Starts a REST conversation through nginx; returns {"sender": ..., "token": ...}."""
        reply = requests.post(f"{self.front_url}/webhooks/rest/conversation", timeout=30)
        reply.raise_for_status()
        return reply.json()

    def send(self, token: str, text: str, timeout: float = 120) -> requests.Response:
        """Sends one message through nginx with the conversation's token; returns the HTTP reply."""
        return requests.post(self.rest_url, json={"message": text},
                             headers={"Authorization": f"Bearer {token}"}, timeout=timeout)

    def stored_events(self, sender: str) -> List[Dict[str, Any]]:
        """Returns the conversation's events as stored in PostgreSQL, in the order they were saved."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": sender}).scalars().all()
        return [json.loads(row) for row in rows]

    def tracker(self, sender: str, replica: int = 0) -> Dict[str, Any]:
        """Returns the conversation's tracker from one Rasa server's HTTP API."""
        reply = requests.get(f"{self.rasa_urls[replica]}/conversations/{sender}/tracker",
                             params={"token": TOKEN}, timeout=60)
        reply.raise_for_status()
        return reply.json()

    def logs(self) -> str:
        """Returns the tail of every process's log."""
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
                         for path in sorted(self.cluster.log_dir.glob("*.log")))


@pytest.fixture(scope="session")
def cluster() -> Iterator[RunningCluster]:
    """Starts the cluster on test ports with a throw-away data folder; stops it at the end."""
    if not MODEL.exists():
        reason = f"No trained model at {MODEL}; run 'make train' first."
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this is a failure, not a skip.)")
        pytest.skip(reason)
    # Not under pytest's own 0700 temp folder: PostgreSQL runs as another user and must reach it.
    data_dir = Path(tempfile.mkdtemp(prefix="lms-cluster-test-"))
    env = {
        "RASA_API_TOKEN": TOKEN,
        "SERVER_SECRET": SERVER_SECRET,
        "KNOWLEDGE_DB_URL": _knowledge_db_url(),
        "RATE_LIMIT_PER_ADDRESS": "0",  # every test patient comes from 127.0.0.1
        "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_SECONDS),
        # The cluster's one retention job sweeps every 3 seconds, so a test can watch it.
        "RETENTION_SWEEP_MINUTES": "0.05",
        "LOG_LEVEL": "INFO",
        # Sanic waits 15 s for open requests when a server stops; the tests have none left.
        "SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "3",
        "PYTHONUNBUFFERED": "1",
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TICKET_LOCK_LIFETIME", str(LOCK_LIFETIME_SECONDS))
        cluster = Cluster(model=MODEL, rasa_servers=RASA_SERVERS, action_servers=ACTION_SERVERS,
                          ports=Ports(PORT_BASE), data_dir=data_dir, env=env,
                          say=lambda text: print(text, flush=True))
    running = None
    try:
        try:
            cluster.start(rasa_timeout=600)
        except RuntimeError as error:
            logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in cluster.log_dir.glob("*.log"))
            pytest.fail(f"The cluster did not start: {error}\n{logs}")
        running = RunningCluster(cluster)
        yield running
    finally:
        if running is not None:
            running.engine.dispose()
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
