"""ProjectSQLTrackerStore: configured from TRACKER_STORE_URL, survives restarts, forgets idle conversations."""
import logging
import time
from types import SimpleNamespace

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.tracker_store import DEFAULT_URL, ProjectSQLTrackerStore, configured_retention_days

DAY = 24 * 60 * 60


def conversation(sender, domain, timestamp=None):
    """Returns a short tracker whose events all carry `timestamp` (default now)."""
    events = [
        ActionExecuted("action_listen"),
        UserUttered("hello", {"name": "greet", "confidence": 1.0}),
        SlotSet("grade", "3"),
        ActionExecuted("utter_greet"),
        BotUttered("Hello."),
    ]
    if timestamp is not None:
        for event in events:
            event.timestamp = timestamp
    return DialogueStateTracker.from_events(sender, events, domain.slots)


async def test_reads_the_url_from_the_environment(tracker_url, tmp_path, domain):
    store = ProjectSQLTrackerStore(domain=domain)
    assert store.engine.url.render_as_string() == tracker_url
    assert (tmp_path / "store" / "tracker.db").exists()  # the folder was created


def test_default_url_is_sqlite_under_var():
    assert DEFAULT_URL.startswith("sqlite:///") and DEFAULT_URL.endswith("/var/tracker.db")


async def test_a_conversation_survives_a_restart(tracker_url, domain):
    await ProjectSQLTrackerStore(domain=domain).save(conversation("patient-1", domain))

    tracker = await ProjectSQLTrackerStore(domain=domain).retrieve("patient-1")

    assert tracker is not None
    assert tracker.get_slot("grade") == "3"
    assert tracker.latest_message.text == "hello"
    assert [e.action_name for e in tracker.events if isinstance(e, ActionExecuted)] == [
        "action_listen", "utter_greet"]


async def test_rasa_creates_it_from_endpoints_yml(tracker_url, domain):
    config = EndpointConfig(type="bot.tracker_store.ProjectSQLTrackerStore")
    store = TrackerStore.create(config, domain=domain)
    await store.save(conversation("patient-2", domain))
    assert await store.retrieve("patient-2") is not None
    assert type(getattr(store, "_tracker_store", store)) is ProjectSQLTrackerStore


async def test_start_up_deletes_conversations_idle_longer_than_the_retention(tracker_url, domain):
    store = ProjectSQLTrackerStore(domain=domain)
    await store.save(conversation("old", domain, timestamp=time.time() - 31 * DAY))
    await store.save(conversation("recent", domain, timestamp=time.time() - 29 * DAY))

    restarted = ProjectSQLTrackerStore(domain=domain)

    assert await restarted.retrieve("old") is None
    assert await restarted.retrieve("recent") is not None


async def test_retention_days_comes_from_the_environment(tracker_url, domain, monkeypatch):
    store = ProjectSQLTrackerStore(domain=domain)
    await store.save(conversation("three-days", domain, timestamp=time.time() - 3 * DAY))

    monkeypatch.setenv("RETENTION_DAYS", "0")
    assert await ProjectSQLTrackerStore(domain=domain).retrieve("three-days") is not None

    monkeypatch.setenv("RETENTION_DAYS", "2")
    assert await ProjectSQLTrackerStore(domain=domain).retrieve("three-days") is None


@pytest.mark.parametrize("value", ["-1", "thirty", "1.5"])
def test_a_wrong_retention_setting_is_refused(value, monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", value)
    with pytest.raises(ValueError, match="RETENTION_DAYS"):
        configured_retention_days()


async def test_delete_conversation_counts_the_events(tracker_url, domain):
    store = ProjectSQLTrackerStore(domain=domain)
    await store.save(conversation("patient-3", domain))
    await store.save(conversation("patient-4", domain))

    assert store.delete_conversation("patient-3") == 5
    assert store.delete_conversation("patient-3") == 0
    assert await store.retrieve("patient-3") is None
    assert await store.retrieve("patient-4") is not None


async def test_logs_hold_no_message_text_or_slot_values(tracker_url, domain, caplog):
    caplog.set_level(logging.DEBUG)
    store = ProjectSQLTrackerStore(domain=domain)
    await store.save(conversation("patient-5", domain, timestamp=time.time() - 40 * DAY))
    ProjectSQLTrackerStore(domain=domain)
    store.delete_conversation("patient-5")

    assert "hello" not in caplog.text
    assert "Hello." not in caplog.text
    assert "'3'" not in caplog.text


async def test_deleted_words_cannot_be_read_back_from_the_file(tracker_url, domain):
    from sqlalchemy.engine import make_url

    from rasa.shared.core.events import UserUttered as Said

    from sqlalchemy import event

    path = make_url(tracker_url).database
    store = ProjectSQLTrackerStore(domain=domain, retention_days=0)

    # Many SQLite builds leave deleted rows in free pages (secure_delete off): be one of them.
    @event.listens_for(store.engine, "connect")
    def like_a_default_build(connection, _record):
        connection.execute("PRAGMA secure_delete=OFF")

    marker = "my-secret-diagnosis-" + "q" * 40
    tracker = conversation("patient-erase", domain)
    tracker.update(Said(marker, {"name": "inform", "confidence": 1.0}))
    await store.save(tracker)
    for number in range(20):  # neighbours, so the file has pages that stay in use
        await store.save(conversation(f"other-{number}", domain))
    with open(path, "rb") as file:
        assert marker.encode() in file.read()

    assert store.delete_conversation("patient-erase") > 0

    with open(path, "rb") as file:
        assert marker.encode() not in file.read()
    assert await store.retrieve("other-3") is not None


async def test_retention_runs_while_the_store_is_in_use(tracker_url, domain):
    store = ProjectSQLTrackerStore(domain=domain, retention_days=30, sweep_every_seconds=0.05)
    try:
        await store.save(conversation("recent", domain))
        # A conversation that went idle long ago, written after the start-up sweep.
        await store.save(conversation("went-idle", domain, timestamp=time.time() - 31 * DAY))
        for _ in range(400):
            if await store.retrieve("went-idle") is None:
                break
            time.sleep(0.05)
        assert await store.retrieve("went-idle") is None
        assert await store.retrieve("recent") is not None
    finally:
        store.stop_sweeping()


def test_the_sweep_interval_setting(monkeypatch):
    from bot.tracker_store import configured_sweep_seconds

    monkeypatch.delenv("RETENTION_SWEEP_MINUTES", raising=False)
    assert configured_sweep_seconds() == 3600
    monkeypatch.setenv("RETENTION_SWEEP_MINUTES", "0.5")
    assert configured_sweep_seconds() == 30
    monkeypatch.setenv("RETENTION_SWEEP_MINUTES", "never")
    with pytest.raises(ValueError, match="RETENTION_SWEEP_MINUTES"):
        configured_sweep_seconds()


def lock_the_database(url):
    """Returns another connection to the SQLite file that holds its exclusive lock (rollback() frees it)."""
    import sqlite3

    from sqlalchemy.engine import make_url

    blocker = sqlite3.connect(make_url(url).database, timeout=0, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


PRIVATE_WORDS = "my-private-words-about-my-tumour-4711"


def with_private_words(sender, domain):
    """Returns a tracker whose newest message is PRIVATE_WORDS and whose grade slot is 'G3-private'."""
    from rasa.shared.core.events import UserUttered as Said

    tracker = conversation(sender, domain)
    tracker.update(Said(PRIVATE_WORDS, {"name": "inform", "confidence": 1.0}))
    tracker.update(SlotSet("grade", "G3-private"))
    return tracker


async def test_a_save_waits_out_a_locked_database(tracker_url, domain, caplog):
    import asyncio

    store = ProjectSQLTrackerStore(domain=domain, retention_days=0)
    await store.save(conversation("patient-locked", domain))
    blocker = lock_the_database(tracker_url)
    # Released after the first attempt has given up (SQLite's own wait is 1 s).
    releasing = asyncio.get_running_loop().call_later(1.6, blocker.rollback)
    try:
        with caplog.at_level(logging.INFO):
            await store.save(with_private_words("patient-locked", domain))
    finally:
        releasing.cancel()
        blocker.rollback()
        blocker.close()

    assert "trying again" in caplog.text  # it really was locked
    tracker = await store.retrieve("patient-locked")
    assert tracker.latest_message.text == PRIVATE_WORDS
    assert tracker.get_slot("grade") == "G3-private"
    assert PRIVATE_WORDS not in caplog.text and "G3-private" not in caplog.text


async def test_a_locked_database_puts_no_patient_text_in_the_logs(tracker_url, domain, caplog):
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.channels import store_errors_fail_the_turn
    from bot.tracker_store import ConversationStoreUnavailable

    store = ProjectSQLTrackerStore(domain=domain, retention_days=0)
    await store.save(conversation("patient-locked", domain))
    # Rasa's agent wraps the store; the channels make the wrapper pass errors on.
    agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(store))
    store_errors_fail_the_turn(agent)
    blocker = lock_the_database(tracker_url)  # and never let go during the turn
    try:
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(ConversationStoreUnavailable):
                await agent.tracker_store.save(with_private_words("patient-locked", domain))
            with pytest.raises(ConversationStoreUnavailable):
                await agent.tracker_store.retrieve("patient-locked")
    finally:
        blocker.rollback()
        blocker.close()

    assert "OperationalError" in caplog.text
    assert PRIVATE_WORDS not in caplog.text and "G3-private" not in caplog.text
    # Nothing went to the wrapper's in-memory store, where no one would read it again.
    assert agent.tracker_store._fallback_tracker_store is None
    tracker = await agent.tracker_store.retrieve("patient-locked")
    assert tracker is not None and tracker.latest_message.text == "hello"


def test_database_errors_hide_their_bound_parameters(tracker_url, domain):
    store = ProjectSQLTrackerStore(domain=domain, retention_days=0)
    assert store.engine.hide_parameters is True
